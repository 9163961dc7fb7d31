"""The pure domain: aggregates, their events and the application's commands.

Nothing here knows about Flask, SQL or HTTP.
"""
