#!/usr/bin/env python3
"""Differential check of local-ssm against moto: the same boto3 calls go to both, answers compared field by field.

Usage: ssm_differential.py LOCAL_SSM_URL MOTO_URL
Both endpoints must be empty. Prints one JSON object: {"cases": N, "differences": [{"case", "field", "local", "moto"}]}.
Values, versions, selectors, names, ARNs, types, error codes and paging are compared; what legitimately differs
between two correct implementations (timestamps, request ids, random ARN suffixes, ciphertext stand-ins, order
within a GetParameters answer, error message wording) is normalised first.
"""
import json
import re
import sys
import urllib.request

import boto3
import botocore.config
import botocore.exceptions

ACCOUNT = "123456789012"
REGION = "us-east-1"


def clients(url):
    kw = dict(endpoint_url=url, region_name=REGION, aws_access_key_id="AKIDDIFF", aws_secret_access_key="x",
              config=botocore.config.Config(retries={"max_attempts": 1}))
    return boto3.client("ssm", **kw), boto3.client("secretsmanager", **kw)


def local_secret(url, secret_id, value):
    req = urllib.request.Request(url + "/_localssm/secrets", method="POST",
                                 data=json.dumps({"id": secret_id, "secretString": value}).encode(),
                                 headers={"Content-Type": "application/json"})
    urllib.request.urlopen(req, timeout=10).read()


def call(fn, **kw):
    """The answer without metadata, or {"error": code}."""
    try:
        r = fn(**kw)
    except botocore.exceptions.ClientError as e:
        return {"error": e.response["Error"]["Code"]}
    except botocore.exceptions.ParamValidationError:
        return {"error": "client-side ParamValidationError"}
    r.pop("ResponseMetadata", None)
    return r


SECRET_ARN = re.compile(r"(arn:aws:secretsmanager:[^:]+:[0-9]+:secret:.+)-[A-Za-z0-9]{6}$")


def norm_param(p, plaintext=None):
    """A Parameter without what two correct implementations may differ in."""
    p = dict(p)
    p.pop("LastModifiedDate", None)
    if "ARN" in p:
        p["ARN"] = SECRET_ARN.sub(r"\1-XXXXXX", p["ARN"])
    if "SourceResult" in p:
        sr = json.loads(p["SourceResult"])
        p["SourceResult.keys"] = sorted(sr.keys())
        del p["SourceResult"]
    if plaintext is not None and "Value" in p:
        # Without decryption a SecureString comes back as some ciphertext: only its not being the value matters.
        p["Value"] = "(plaintext!)" if p["Value"] == plaintext else "(ciphertext)"
    return p


def by_identity(parameters):
    """GetParameters answers keyed by name and version (order is not part of the contract); Selector apart."""
    out = {}
    for p in sorted(parameters, key=lambda p: (p.get("Name", ""), p.get("Version", 0), p.get("Value", ""))):
        p = norm_param(p)
        p.pop("Selector", None)
        key = "%s@%s" % (p.get("Name"), p.get("Version"))
        n = 1
        while key in out:
            n += 1
            key = "%s@%s#%d" % (p.get("Name"), p.get("Version"), n)
        out[key] = p
    return out


def selectors(parameters):
    return sorted(p.get("Selector", "(none)") for p in parameters)


def history(entry):
    e = dict(entry)
    for k in ("LastModifiedDate", "LastModifiedUser", "KeyId", "Policies", "Description", "AllowedPattern"):
        e.pop(k, None)
    return e


def cases(ssm, sm, seed_secret):
    """(name, answer) pairs; every call made the same way on both backends."""
    out = []

    def case(name, answer):
        out.append((name, answer))

    # --- PutParameter
    case("PutParameter new", call(ssm.put_parameter, Name="/diff/db/password", Value="pw-1", Type="SecureString"))
    case("PutParameter exists, no Overwrite", call(ssm.put_parameter, Name="/diff/db/password", Value="x",
                                                   Type="SecureString"))
    case("PutParameter Overwrite", call(ssm.put_parameter, Name="/diff/db/password", Value="pw-2",
                                        Type="SecureString", Overwrite=True))
    call(ssm.put_parameter, Name="/diff/db/password", Value="pw-3", Type="SecureString", Overwrite=True)
    case("PutParameter StringList", call(ssm.put_parameter, Name="/diff/list", Value="a,b,c", Type="StringList"))
    case("PutParameter no leading slash", call(ssm.put_parameter, Name="diff.little", Value="little", Type="String"))
    case("PutParameter name starting with aws", call(ssm.put_parameter, Name="/aws/diff", Value="x", Type="String"))
    case("PutParameter name with a space", call(ssm.put_parameter, Name="/diff/a b", Value="x", Type="String"))
    case("PutParameter bad Type", call(ssm.put_parameter, Name="/diff/t", Value="x", Type="Number"))
    case("PutParameter 4097 bytes Standard", call(ssm.put_parameter, Name="/diff/big", Value="x" * 4097,
                                                  Type="String"))
    case("PutParameter AllowedPattern mismatch", call(ssm.put_parameter, Name="/diff/pattern", Value="abc",
                                                      Type="String", AllowedPattern="^[0-9]+$"))
    for i in range(7):
        call(ssm.put_parameter, Name="/diff/app/k%d" % i, Value="v%d" % i, Type="SecureString")
    call(ssm.put_parameter, Name="/diff/app/nested/deep", Value="deep", Type="String")

    # --- LabelParameterVersion
    case("LabelParameterVersion", call(ssm.label_parameter_version, Name="/diff/db/password", ParameterVersion=1,
                                       Labels=["blue"]))
    case("LabelParameterVersion invalid labels", call(ssm.label_parameter_version, Name="/diff/db/password",
                                                      ParameterVersion=2, Labels=["1st", "awsx", "ok-label"]))
    case("LabelParameterVersion no such version", call(ssm.label_parameter_version, Name="/diff/db/password",
                                                       ParameterVersion=99, Labels=["x"]))
    # (a name of its own: moto 5.2.1 answers 500 for a name it was asked to label while absent, from then on)
    case("LabelParameterVersion no such parameter", call(ssm.label_parameter_version, Name="/diff/never",
                                                         ParameterVersion=1, Labels=["x"]))
    call(ssm.label_parameter_version, Name="/diff/db/password", ParameterVersion=2, Labels=["green"])
    case("LabelParameterVersion moves a label", call(ssm.label_parameter_version, Name="/diff/db/password",
                                                     ParameterVersion=3, Labels=["green"]))

    # --- GetParameter
    for name in ["/diff/db/password", "/diff/db/password:1", "/diff/db/password:blue", "/diff/db/password:green",
                 "diff.little", "/diff/list",
                 "arn:aws:ssm:%s:%s:parameter/diff/db/password" % (REGION, ACCOUNT)]:
        r = call(ssm.get_parameter, Name=name, WithDecryption=True)
        case("GetParameter %s" % name, {"Parameter": norm_param(r["Parameter"])} if "Parameter" in r else r)
    for name in ["/diff/db/password:99", "/diff/db/password:red", "/diff/none"]:
        case("GetParameter %s" % name, call(ssm.get_parameter, Name=name, WithDecryption=True))
    r = call(ssm.get_parameter, Name="/diff/db/password", WithDecryption=False)
    case("GetParameter SecureString without decryption",
         {"Parameter": norm_param(r["Parameter"], plaintext="pw-3")} if "Parameter" in r else r)

    # --- GetParameters: each requested name's answer, matched by what it is known to be
    asked = ["/diff/db/password", "/diff/db/password:1", "/diff/db/password:blue", "diff.little",
             "/diff/none", "/diff/db/password:99", "/diff/db/password:red", "/diff/list"]
    r = call(ssm.get_parameters, Names=asked, WithDecryption=True)
    case("GetParameters InvalidParameters", sorted(r.get("InvalidParameters", [])) if "error" not in r else r)
    case("GetParameters answers", by_identity(r.get("Parameters", [])))
    case("GetParameters answers: Selector", selectors(r.get("Parameters", [])))
    arn = "arn:aws:ssm:%s:%s:parameter/diff/db/password" % (REGION, ACCOUNT)
    r = call(ssm.get_parameters, Names=[arn], WithDecryption=True)
    case("GetParameters by ARN", {"Parameters": by_identity(r.get("Parameters", [])),
                                  "InvalidParameters": r.get("InvalidParameters")} if "error" not in r else r)
    case("GetParameters 11 names", call(ssm.get_parameters, Names=["/diff/n%d" % i for i in range(11)]))

    # --- GetParametersByPath: every page
    for label, kw in [("recursive, MaxResults 3", dict(Recursive=True, MaxResults=3)),
                      ("one level, MaxResults 3", dict(Recursive=False, MaxResults=3)),
                      ("recursive, default MaxResults", dict(Recursive=True))]:
        pages, names, token = 0, [], None
        while True:
            args = dict(Path="/diff/app", WithDecryption=True, **kw)
            if token:
                args["NextToken"] = token
            r = call(ssm.get_parameters_by_path, **args)
            if "error" in r:
                names = r
                break
            pages += 1
            names += ["%s=%s v%d" % (p["Name"], p["Value"], p["Version"]) for p in r["Parameters"]]
            token = r.get("NextToken")
            if not token or pages > 20:
                break
        case("GetParametersByPath %s: items" % label, sorted(names) if isinstance(names, list) else names)
        case("GetParametersByPath %s: pages" % label, pages)
    case("GetParametersByPath MaxResults 11", call(ssm.get_parameters_by_path, Path="/diff/app", MaxResults=11))
    case("GetParametersByPath bad NextToken", call(ssm.get_parameters_by_path, Path="/diff/app",
                                                   NextToken="not-a-token"))
    case("GetParametersByPath empty path", {"Parameters": call(ssm.get_parameters_by_path,
                                                              Path="/diff/empty").get("Parameters")})

    # --- GetParameterHistory
    r = call(ssm.get_parameter_history, Name="/diff/db/password", WithDecryption=True)
    case("GetParameterHistory", [history(e) for e in r.get("Parameters", [])] if "error" not in r else r)
    r = call(ssm.get_parameter_history, Name="/diff/db/password", WithDecryption=True, MaxResults=2)
    case("GetParameterHistory MaxResults 2: first page",
         {"versions": [e["Version"] for e in r.get("Parameters", [])], "more": bool(r.get("NextToken"))})
    case("GetParameterHistory no such parameter", call(ssm.get_parameter_history, Name="/diff/none"))

    # --- Secrets Manager through Parameter Store
    seed_secret("diff/sm", '{"user":"u"}')
    ref = "/aws/reference/secretsmanager/diff/sm"
    r = call(ssm.get_parameter, Name=ref, WithDecryption=True)
    case("GetParameter secret reference", {"Parameter": norm_param(r["Parameter"])} if "Parameter" in r else r)
    r = call(ssm.get_parameters, Names=[ref], WithDecryption=True)
    case("GetParameters secret reference: Selector", selectors(r.get("Parameters", [])))
    case("GetParameters secret reference", {"Parameters": [norm_param(p) for p in r.get("Parameters", [])],
                                            "InvalidParameters": r.get("InvalidParameters")} if "error" not in r else r)
    case("GetParameter secret reference without decryption", call(ssm.get_parameter, Name=ref, WithDecryption=False))
    case("GetParameter missing secret", call(ssm.get_parameter, Name="/aws/reference/secretsmanager/diff/none",
                                             WithDecryption=True))
    case("GetParameters missing secret", call(ssm.get_parameters, Names=["/aws/reference/secretsmanager/diff/none"],
                                              WithDecryption=True))
    seed_secret("diff/sm", '{"user":"u2"}')
    r = call(ssm.get_parameter, Name=ref + ":AWSPREVIOUS", WithDecryption=True)
    case("GetParameter secret reference :AWSPREVIOUS", {"Parameter": norm_param(r["Parameter"])}
         if "Parameter" in r else r)

    # --- DeleteParameter
    case("DeleteParameter", call(ssm.delete_parameter, Name="/diff/list"))
    case("GetParameter after DeleteParameter", call(ssm.get_parameter, Name="/diff/list"))
    case("DeleteParameter no such parameter", call(ssm.delete_parameter, Name="/diff/list"))
    return out


def flatten(value, prefix=""):
    """Field paths to leaf values, so a difference names the one field that differs."""
    if isinstance(value, list) and any(isinstance(v, dict) for v in value):
        return flatten({"[%d]" % i: v for i, v in enumerate(value)}, prefix)
    if isinstance(value, dict):
        if not value:
            return {prefix or ".": "{}"}
        out = {}
        for k, v in value.items():
            out.update(flatten(v, prefix + "." + k if prefix else k))
        return out
    return {prefix or ".": value}


def main():
    local_url, moto_url = sys.argv[1], sys.argv[2]
    local_ssm, _ = clients(local_url)
    moto_ssm, moto_sm = clients(moto_url)

    def moto_secret(secret_id, value):
        try:
            moto_sm.create_secret(Name=secret_id, SecretString=value)
        except moto_sm.exceptions.ResourceExistsException:
            moto_sm.put_secret_value(SecretId=secret_id, SecretString=value)

    local = cases(local_ssm, None, lambda i, v: local_secret(local_url, i, v))
    moto = cases(moto_ssm, moto_sm, moto_secret)
    differences = []
    for (name, a), (_, b) in zip(local, moto):
        fa, fb = flatten(a), flatten(b)
        for field in sorted(set(fa) | set(fb)):
            va, vb = fa.get(field, "(absent)"), fb.get(field, "(absent)")
            if va != vb:
                differences.append({"case": name, "field": field, "local": va, "moto": vb})
    print(json.dumps({"cases": len(local), "differences": differences}, indent=None, default=str))


if __name__ == "__main__":
    main()
