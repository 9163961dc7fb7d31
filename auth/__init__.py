"""Identity and permission: who is signed in, for which organisation, and what they may do."""
