#!/usr/bin/python3
"""The stack being replaced, answering the same route: FastAPI + uvicorn + boto3.

GET /api/v1/media/{id}/url -> {url, expires_at}, looking the key up in the catalog
(PostgreSQL) and presigning with boto3. Run: uvicorn --app-dir bench fastapi_url:app
"""
import datetime
import os

import boto3
import psycopg2
from fastapi import FastAPI, Header, HTTPException

app = FastAPI()
s3 = boto3.client("s3", endpoint_url=os.environ["MEDIAGATE_S3_PUBLIC_ENDPOINT"],
                  region_name=os.environ.get("AWS_REGION", "us-east-1"))
db = psycopg2.connect(os.environ["MEDIAGATE_DATABASE_URL"])
db.autocommit = True


@app.get("/api/v1/media/{media_id}/url")
def url(media_id: str, authorization: str = Header(None)):
    if not authorization or not authorization.startswith("Bearer "):
        raise HTTPException(401)
    with db.cursor() as c:
        c.execute("SELECT bucket, object_key, content_type FROM media WHERE id = %s AND status = 'ready'",
                  (media_id,))
        row = c.fetchone()
    if row is None:
        raise HTTPException(404)
    u = s3.generate_presigned_url("get_object", ExpiresIn=3600, Params={
        "Bucket": row[0], "Key": row[1], "ResponseContentType": row[2]})
    exp = datetime.datetime.utcnow() + datetime.timedelta(seconds=3600)
    return {"url": u, "expires_at": exp.strftime("%Y-%m-%dT%H:%M:%SZ")}
