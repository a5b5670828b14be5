"""moto's S3 server for the end-to-end scripts (scripts/test-s3.py, scripts/check-scale.py): started on loopback with its
IAM authentication on, an access key made through its own IAM API, and the environment that points obsreview at it.
"""
import json, os, subprocess, sys, urllib.request

from demo_server import check, free_port, wait

BUCKET = "obsreview-media"
# No slash in the prefix: moto checks signatures of queries with an encoded `/` wrongly (botocore's own requests fail
# there too), and listing asks for `<prefix>blobs`. Real stores take `obsreview/` (the unit tests sign it).
PREFIX = "review-"

class Moto:
    """moto's S3 server on loopback, with IAM authentication: an access key made through its own IAM API."""

    def __init__(self, work):
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        # The first calls go unauthenticated (they make the user and its key); every call after them is checked.
        env = dict(os.environ, INITIAL_NO_AUTH_ACTION_COUNT="3", MOTO_ALLOW_NONEXISTENT_REGION="true")
        self.process = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
                                        stdout=open(os.path.join(work, "moto.log"), "a"), stderr=subprocess.STDOUT, env=env)
        wait("moto_server to answer", self.answers, timeout=60, interval=0.2)

    def answers(self):
        check(self.process.poll() is None, f"moto_server exited with {self.process.returncode}")
        try:
            urllib.request.urlopen(self.endpoint + "/moto-api/", timeout=1)
            return True
        except OSError:
            return False

    def client(self, service, key_id="bootstrap", secret="bootstrap"):
        import boto3
        from botocore.config import Config
        return boto3.client(service, endpoint_url=self.endpoint, region_name="us-east-1", aws_access_key_id=key_id,
                            aws_secret_access_key=secret, config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}))

    def make_key(self):
        iam = self.client("iam")
        iam.create_user(UserName="obsreview")
        iam.put_user_policy(UserName="obsreview", PolicyName="media", PolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}))
        key = iam.create_access_key(UserName="obsreview")["AccessKey"]
        return key["AccessKeyId"], key["SecretAccessKey"]

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


def s3_environment(moto, key_id, secret):
    return {"OBSREVIEW_BLOB_STORE": "s3", "OBSREVIEW_S3_ENDPOINT": moto.endpoint, "OBSREVIEW_S3_BUCKET": BUCKET,
            "OBSREVIEW_S3_PREFIX": PREFIX, "OBSREVIEW_S3_ACCESS_KEY_ID": key_id, "OBSREVIEW_S3_SECRET_ACCESS_KEY": secret}



def start_with_bucket(work):
    """moto with a key and the bucket made; returns (moto, the environment for obsreview)."""
    moto = Moto(work)
    key_id, secret = moto.make_key()
    moto.client("s3", key_id, secret).create_bucket(Bucket=BUCKET)
    return moto, s3_environment(moto, key_id, secret)
