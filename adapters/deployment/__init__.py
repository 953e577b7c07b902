"""The deployment as code reads it: deploy/serverless.yml, resolved for one stage.

For tests and local tools only (it imports PyYAML); Lambda code never imports it.
"""
