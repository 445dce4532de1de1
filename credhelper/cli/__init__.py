"""The command line: dispatch, the built-in commands, what they print."""
