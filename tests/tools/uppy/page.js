// page.js - the Uppy test page's script: @uppy/core and @uppy/aws-s3 exactly as published on
// npm, pointed at mediagate's Companion-style routes (presign/uppy.h). test_uppy.sh bundles
// it with esbuild and calls window.runUppy from headless Chromium.
import Uppy from "@uppy/core";
import AwsS3 from "@uppy/aws-s3";

// files: [{name, url, type}] fetched from the test page's own origin, then uploaded
window.runUppy = async function runUppy(files, multipartAbove) {
  const uppy = new Uppy({ autoProceed: false });
  uppy.use(AwsS3, {
    companionEndpoint: "/api/v1/uppy",
    shouldUseMultipart: (file) => file.size > multipartAbove,
    getChunkSize: () => 5 * 1024 * 1024,
  });
  for (const f of files) {
    const blob = await (await fetch(f.url)).blob();
    uppy.addFile({ name: f.name, type: f.type, data: blob });
  }
  const result = await uppy.upload();
  return {
    successful: result.successful.map((f) => ({ name: f.name, size: f.size, uploadURL: f.uploadURL })),
    failed: result.failed.map((f) => ({ name: f.name, error: String(f.error) })),
  };
};
window.uppyReady = true;
