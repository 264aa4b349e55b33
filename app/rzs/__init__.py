"""The producers' registries of service events (RZS): payload, client, replies, dispatch."""
