"""Delivery channels: e-mail (SMTP), Teams, Slack and Mattermost webhooks, files. Each has `send(entry)`."""

from reports.digest.channels.base import Channel, DeliveryConfigError, DeliveryError, TransientDeliveryError

__all__ = ["Channel", "DeliveryConfigError", "DeliveryError", "TransientDeliveryError"]
