"""For long-running programs: the httpx auth, the request policy, the in-memory holder."""
