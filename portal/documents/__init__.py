"""Tender documents: what a file really is (sniff), and where its bytes live (store)."""
