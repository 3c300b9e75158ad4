import { describe, expect, it } from "vitest";
import { HttpResponseParser } from "../http-response-parser";

/** Feeds `response` in pieces of `size` bytes; returns the status, the body and the parser. */
function parse(response: string, size: number) {
  const parser = new HttpResponseParser();
  const bytes = Buffer.from(response, "utf8");
  const body: Buffer[] = [];
  let heads = 0;
  for (let at = 0; at < bytes.length && !parser.complete; at += size) {
    parser.feed(bytes.subarray(at, at + size), { onHead: () => heads++, onBody: (piece) => body.push(Buffer.from(piece)) });
  }
  return { parser, heads, body: Buffer.concat(body).toString("utf8") };
}

const chunked = "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n" + "8\r\ndata: é\r\n" + "a;ext=1\r\n\n\ndata: [D\r\n" + "6\r\nONE]\n\n\r\n" + "0\r\n\r\n";

describe("HttpResponseParser", () => {
  it.each([1, 2, 3, 7, 64, 4096])("de-chunks a chunked body fed %i bytes at a time", (size) => {
    const { parser, heads, body } = parse(chunked, size);
    expect(heads).toBe(1);
    expect(parser.status).toBe(200);
    expect(body).toBe("data: é\n\ndata: [DONE]\n\n");
    expect(parser.complete).toBe(true);
    expect(parser.keepAlive).toBe(true);
  });

  it.each([1, 5, 4096])("reads a content-length body fed %i bytes at a time, and not past it", (size) => {
    const { parser, body } = parse('HTTP/1.1 429 Too Many Requests\r\nContent-Length: 11\r\n\r\n{"error":1}', size);
    expect(parser.status).toBe(429);
    expect(body).toBe('{"error":1}');
    expect(parser.complete).toBe(true);
  });

  it("keeps a trailer out of the body", () => {
    const { body, parser } = parse("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\nx-trailer: 1\r\n\r\n", 3);
    expect(body).toBe("hi");
    expect(parser.complete).toBe(true);
  });

  it("a body with neither length nor chunking ends at the close, and the connection is not reused", () => {
    const { parser, body } = parse("HTTP/1.1 200 OK\r\n\r\npartial", 4);
    expect(body).toBe("partial");
    expect(parser.complete).toBe(false);
    expect(parser.endsAtClose).toBe(true);
    expect(parser.keepAlive).toBe(false);
  });

  it("an empty body (204, content-length 0) completes with the head", () => {
    expect(parse("HTTP/1.1 204 No Content\r\n\r\n", 100).parser.complete).toBe(true);
    expect(parse("HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n", 100).parser.complete).toBe(true);
  });

  it.each([
    ["connection: close on HTTP/1.1", "HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 0\r\n\r\n", false],
    ["HTTP/1.0 without keep-alive", "HTTP/1.0 200 OK\r\ncontent-length: 0\r\n\r\n", false],
    ["HTTP/1.0 with keep-alive", "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\ncontent-length: 0\r\n\r\n", true],
  ])("keep-alive: %s", (_, response, keepAlive) => {
    expect(parse(response, 100).parser.keepAlive).toBe(keepAlive);
  });

  it("bytes after the response mean the connection is not reused", () => {
    expect(parse("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nokEXTRA", 100).parser.keepAlive).toBe(false);
  });

  it.each([
    ["not HTTP", "SSH-2.0-OpenSSH\r\n\r\n"],
    ["a bad chunk size", "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n"],
    ["a chunk without its CRLF", "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\nhiXX"],
  ])("throws on %s", (_, response) => {
    expect(() => parse(response, 100)).toThrow();
  });
});
