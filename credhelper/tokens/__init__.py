"""Tokens: the model, the request, HTTP, client assertions, the cache, login, logout."""
