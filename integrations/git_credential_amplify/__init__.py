"""git-credential-amplify: git's credential-helper protocol on top of credhelper (in progress)."""
