"""HTTPie auth plugin `--auth-type=amplify` on top of credhelper (in progress)."""
