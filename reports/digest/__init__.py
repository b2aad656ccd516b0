"""Digests: what changed since the last one, composed once into the outbox and delivered per channel."""
