"""Tender documents: what a file really is (sniff), where its bytes live (store), and an upload
from the request to an attached document (uploads)."""
