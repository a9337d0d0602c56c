"""Lamina: a self-hosted, AWS-compatible Lambda with IAM and STS, authorized exactly like AWS."""

__version__ = "0.1.0"
