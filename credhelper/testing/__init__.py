"""Test kits for code built on amplify-credhelper: ``command_contract`` for command plug-ins."""
