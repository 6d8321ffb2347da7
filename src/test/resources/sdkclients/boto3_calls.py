"""boto3 calls an app makes, printed as JSON: a paginator over get_parameters_by_path, get_parameters, and
Secrets Manager's get_secret_value (AWS_ENDPOINT_URL_SECRETS_MANAGER), plus botocore's check of each answer's shape."""
import json
import sys

import boto3
from botocore.exceptions import ClientError
from botocore.validate import ParamValidator

path, names, secret_id = sys.argv[1], sys.argv[2].split(","), sys.argv[3]
ssm = boto3.client("ssm")
sm = boto3.client("secretsmanager")
out = {}


def shape_errors(client, operation, answer):
    shape = client.meta.service_model.operation_model(operation).output_shape
    answer = {k: v for k, v in answer.items() if k != "ResponseMetadata"}
    report = ParamValidator().validate(answer, shape)
    return report.generate_report() if report.has_errors() else ""


pages = []
for page in ssm.get_paginator("get_parameters_by_path").paginate(Path=path, Recursive=True, WithDecryption=True,
                                                               PaginationConfig={"PageSize": 10}):
    pages.append([p["Name"] for p in page["Parameters"]])
    out.setdefault("pathShapeErrors", shape_errors(ssm, "GetParametersByPath", page))
out["pages"] = pages

answer = ssm.get_parameters(Names=names, WithDecryption=True)
out["found"] = [p["Name"] for p in answer["Parameters"]]
out["invalid"] = answer["InvalidParameters"]
out["requestId"] = answer["ResponseMetadata"]["RequestId"]
out["parametersShapeErrors"] = shape_errors(ssm, "GetParameters", answer)

secret = sm.get_secret_value(SecretId=secret_id)
out["secretName"] = secret["Name"]
out["secretString"] = secret["SecretString"]
out["secretCreatedIsDate"] = type(secret["CreatedDate"]).__name__
out["secretShapeErrors"] = shape_errors(sm, "GetSecretValue", secret)

try:
    sm.get_secret_value(SecretId="no-such-secret")
except ClientError as e:
    out["missingSecret"] = e.response["Error"]["Code"]
try:
    sm.get_secret_value(SecretId=secret_id, VersionStage="AWS:CURRENT")
except ClientError as e:
    out["badStage"] = e.response["Error"]["Code"]
try:
    ssm.put_parameter(Name=names[0], Value="x", Overwrite=True)
except ClientError as e:
    out["put"] = e.response["Error"]["Code"]
print(json.dumps(out))
