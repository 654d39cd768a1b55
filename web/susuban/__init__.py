"""The 诉速办 integration: one package owns its wire format (statuses, ticket body, signatures), the
outbox client that delivers tickets, category routing and the signed status callback."""
