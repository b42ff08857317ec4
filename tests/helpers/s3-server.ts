import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import S3rver from "s3rver";

/** s3rver's fixed credentials; any signature is accepted, but the SDK needs some. */
export const S3_TEST_CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };

export type S3TestServer = {
  endpoint: string;
  bucket: string;
  directory: string;
  /** Ferry's variables for this bucket (STORAGE=s3 …) plus the SDK's standard credential variables. */
  env: Record<string, string>;
  config: {
    bucket: string;
    region: string;
    endpoint: string;
    forcePathStyle: boolean;
    credentials: typeof S3_TEST_CREDENTIALS;
  };
  stop: () => Promise<void>;
};

/** A real S3-protocol server (s3rver) on a free port, storing under a temp directory, with one empty bucket. */
export async function startS3Server(bucket = "ferry-test"): Promise<S3TestServer> {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-s3-"));
  const server = new S3rver({
    port: 0,
    address: "127.0.0.1",
    silent: true,
    directory,
    configureBuckets: [{ name: bucket }],
  });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    bucket,
    directory,
    env: {
      STORAGE: "s3",
      S3_BUCKET: bucket,
      S3_REGION: "us-east-1",
      S3_ENDPOINT: endpoint,
      S3_FORCE_PATH_STYLE: "true",
      AWS_ACCESS_KEY_ID: S3_TEST_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: S3_TEST_CREDENTIALS.secretAccessKey,
    },
    config: { bucket, region: "us-east-1", endpoint, forcePathStyle: true, credentials: S3_TEST_CREDENTIALS },
    stop: async () => {
      await server.close();
      fs.rmSync(directory, { recursive: true, force: true });
    },
  };
}
