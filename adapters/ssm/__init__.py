"""Configuration adapter: settings from the environment and SSM Parameter Store."""
