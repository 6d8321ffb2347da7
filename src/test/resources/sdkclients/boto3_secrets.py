"""boto3's Secrets Manager client reading through the sidecar (AWS_ENDPOINT_URL_SECRETS_MANAGER), printed as JSON:
get_secret_value of another account's ARN (current, AWSPREVIOUS, a binary one), batch_get_secret_value of a list
that mixes served and refused secrets, the refusal of Filters, and botocore's check of each answer's shape.
Values are printed so the test can compare them; the test's leak check covers the sidecar's output, not this one's."""
import base64
import json
import sys

import boto3
from botocore.exceptions import ClientError
from botocore.validate import ParamValidator

foreign_arn, binary_arn, batch_ids = sys.argv[1], sys.argv[2], sys.argv[3].split(",")
sm = boto3.client("secretsmanager")
out = {}


def shape_errors(operation, answer):
    shape = sm.meta.service_model.operation_model(operation).output_shape
    answer = {k: v for k, v in answer.items() if k != "ResponseMetadata"}
    report = ParamValidator().validate(answer, shape)
    return report.generate_report() if report.has_errors() else ""


current = sm.get_secret_value(SecretId=foreign_arn)
out["arn"] = current["ARN"]
out["name"] = current["Name"]
out["current"] = current["SecretString"]
out["stages"] = current["VersionStages"]
out["createdIsDate"] = type(current["CreatedDate"]).__name__
out["currentShapeErrors"] = shape_errors("GetSecretValue", current)

previous = sm.get_secret_value(SecretId=foreign_arn, VersionStage="AWSPREVIOUS")
out["previous"] = previous["SecretString"]
out["previousStages"] = previous["VersionStages"]

binary = sm.get_secret_value(SecretId=binary_arn)
out["binaryIsBytes"] = type(binary["SecretBinary"]).__name__
out["binaryBase64"] = base64.b64encode(binary["SecretBinary"]).decode("ascii")
out["binaryShapeErrors"] = shape_errors("GetSecretValue", binary)

batch = sm.batch_get_secret_value(SecretIdList=batch_ids)
out["batchValues"] = {v["Name"]: v.get("SecretString") for v in batch["SecretValues"]}
out["batchArns"] = [v["ARN"] for v in batch["SecretValues"]]
out["batchErrors"] = {e["SecretId"]: e["ErrorCode"] for e in batch["Errors"]}
out["batchShapeErrors"] = shape_errors("BatchGetSecretValue", batch)

try:
    sm.batch_get_secret_value(Filters=[{"Key": "name", "Values": ["shared/"]}])
except ClientError as e:
    out["filters"] = e.response["Error"]["Code"]
print(json.dumps(out))
