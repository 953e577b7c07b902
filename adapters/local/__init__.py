"""The local gateway: API Gateway, Lambda, DynamoDB (Streams), SSM and EventBridge schedules
reproduced in one process from deploy/serverless.yml, for `make serve` and the HTTP tests.

Development only: it is never packaged into a Lambda function (see deploy/serverless.yml).
"""
