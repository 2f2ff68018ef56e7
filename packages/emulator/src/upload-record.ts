/** What the emulator kept of an upload, for tests to check the bytes arrived intact. */
export interface UploadRecord {
  track_urn: string;
  filename: string;
  content_type: string;
  bytes: number;
  sha256: string;
}
