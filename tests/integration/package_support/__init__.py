"""Helpers of the tests that run the packaged deployment: packaging for this machine, the
Lambda layout, the template read as a deployment, moto set up from it, and the flows."""
