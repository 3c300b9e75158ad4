import net from "node:net";

const SMTP_REPLIES: Record<string, string> = {
  EHLO: "250-sink\r\n250 8BITMIME\r\n",
  HELO: "250 sink\r\n",
  DATA: "354 go ahead\r\n",
  QUIT: "221 bye\r\n",
};

export type ReceivedMail = { from: string; to: string[]; data: string };

/**
 * A minimal SMTP server for tests: enough of RFC 5321 for nodemailer to deliver a message
 * (no TLS, no auth). `failWith` makes it reject every message, to test delivery failures.
 */
export async function startSmtpSink(options: { failWith?: string } = {}) {
  const received: ReceivedMail[] = [];
  const server = net.createServer((socket) => {
    let mail: ReceivedMail = { from: "", to: [], data: "" };
    let inData = false;
    let buffer = "";
    socket.write("220 sink ESMTP\r\n");
    socket.on("data", (chunk) => {
      buffer += chunk.toString("utf8");
      let idx: number;
      while ((idx = buffer.indexOf("\r\n")) >= 0) {
        const line = buffer.slice(0, idx);
        buffer = buffer.slice(idx + 2);
        if (inData) {
          if (line === ".") {
            inData = false;
            if (options.failWith) socket.write(`554 ${options.failWith}\r\n`);
            else {
              received.push(mail);
              socket.write("250 OK queued\r\n");
            }
            mail = { from: "", to: [], data: "" };
          } else mail.data += `${line.startsWith("..") ? line.slice(1) : line}\n`;
          continue;
        }
        const cmd = line.slice(0, 4).toUpperCase();
        if (cmd === "MAIL") mail.from = line.slice(10).trim();
        if (cmd === "RCPT") mail.to.push(line.slice(8).trim());
        if (cmd === "DATA") inData = true;
        socket.write(SMTP_REPLIES[cmd] ?? "250 OK\r\n");
        if (cmd === "QUIT") socket.end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  return { url: `smtp://127.0.0.1:${port}`, received, close: () => new Promise<void>((r) => server.close(() => r())) };
}
