// What the Fetch standard's Request and Response share: reading the body once, whole, as
// bytes, text or JSON. WebRequest and WebResponse say how to take their bytes.

const decoder = new TextDecoder();

export abstract class BodyReader {
  /** The whole body, once; a second read throws TypeError as the standard's does. */
  protected abstract takeBytes(): Promise<Uint8Array>;

  async arrayBuffer(): Promise<ArrayBuffer> {
    const bytes = await this.takeBytes();
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  }

  async bytes(): Promise<Uint8Array<ArrayBuffer>> {
    return new Uint8Array(await this.arrayBuffer());
  }

  async text(): Promise<string> {
    return decoder.decode(await this.takeBytes());
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }
}
