"""Reference data the portal ships (postcode districts) and the commands that build or extend it."""
