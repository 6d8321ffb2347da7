"""A Flask app in the usual style: it reads its database password with boto3 on every request.

Nothing here knows about ssm-sidecar; AWS_ENDPOINT_URL_SSM in the environment points boto3 at it.
"""
import os

import boto3
from flask import Flask

app = Flask(__name__)
ssm = boto3.client("ssm")


@app.route("/")
def index():
    parameter = ssm.get_parameter(Name=os.environ["DB_PASSWORD_PARAMETER"], WithDecryption=True)["Parameter"]
    return f"{parameter['Version']}:{parameter['Value']}"


@app.route("/health")
def health():
    return "ok"


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(os.environ["PORT"]))
