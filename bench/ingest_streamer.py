#!/usr/bin/python3
"""The kind of worker mediagate replaces: urllib download streamed into boto3's upload_fileobj.

usage: ingest_streamer.py CONCURRENCY PREFIX URL...   (S3 settings from the environment)
"""
import os
import sys
from concurrent.futures import ThreadPoolExecutor
from urllib.request import urlopen

import boto3
from boto3.s3.transfer import TransferConfig

conc, prefix, urls = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
s3 = boto3.client("s3", endpoint_url=os.environ["MEDIAGATE_S3_ENDPOINT"],
                  region_name=os.environ.get("AWS_REGION", "us-east-1"))
cfg = TransferConfig(multipart_chunksize=8 << 20, max_concurrency=2)
bucket = os.environ["MEDIAGATE_S3_BUCKET"]


def one(i_url):
    i, url = i_url
    with urlopen(url) as r:
        s3.upload_fileobj(r, bucket, "%s/%d" % (prefix, i), Config=cfg)


with ThreadPoolExecutor(conc) as ex:
    list(ex.map(one, enumerate(urls)))
