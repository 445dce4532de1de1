"""Profiles: the model, its checks, config.json, selection, URL rules, the keyring."""
