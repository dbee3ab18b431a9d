"""Gateway: issues tokens (users, clients, signing keys), routes to the services, merges their docs."""
