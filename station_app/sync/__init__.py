"""Sync with the city office: change capture lives in the store; transport and secrets here."""
