import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';

const run = promisify(execFile);

export interface TestCertificates {
  readonly dir: string;
  /** The simulator's https key and certificate (127.0.0.1 and localhost); the certificate is its own CA. */
  readonly server: { readonly key: string; readonly cert: string; readonly certPath: string };
  /** An app's certificate credential: the certificate alone (for the tenant), and PEM files with key + certificate. */
  readonly client: { readonly cert: string; readonly pemPath: string; readonly encryptedPemPath: string; readonly password: string };
  /** A second certificate, not registered with any app. */
  readonly stranger: { readonly pemPath: string };
  dispose(): Promise<void>;
}

/** Throwaway self-signed certificates made with openssl, in a temporary folder. */
export async function makeCertificates(): Promise<TestCertificates> {
  const dir = await mkdtemp(join(tmpdir(), 'lb-auth-'));
  const at = (name: string) => join(dir, name);
  const selfSigned = (name: string, subject: string, extra: string[] = []) =>
    run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', at(`${name}.key`), '-out', at(`${name}.crt`), '-days', '2', '-subj', subject, ...extra]);
  await Promise.all([
    selfSigned('server', '/CN=localhost', ['-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost']),
    selfSigned('client', '/CN=license-batch-test-app'),
    selfSigned('stranger', '/CN=someone-else'),
  ]);
  const password = 'pw-Correct-Horse-42';
  await run('openssl', ['pkcs8', '-topk8', '-in', at('client.key'), '-out', at('client.enc.key'), '-passout', `pass:${password}`, '-v2', 'aes-256-cbc']);
  const read = (name: string) => readFile(at(name), 'utf8');
  const [serverKey, serverCert, clientKey, clientCert, clientEncKey, strangerKey, strangerCert] = await Promise.all(
    ['server.key', 'server.crt', 'client.key', 'client.crt', 'client.enc.key', 'stranger.key', 'stranger.crt'].map(read),
  );
  await Promise.all([
    writeFile(at('client.pem'), clientKey! + clientCert!),
    writeFile(at('client-encrypted.pem'), clientEncKey! + clientCert!),
    writeFile(at('stranger.pem'), strangerKey! + strangerCert!),
  ]);
  return {
    dir,
    server: { key: serverKey!, cert: serverCert!, certPath: at('server.crt') },
    client: { cert: clientCert!, pemPath: at('client.pem'), encryptedPemPath: at('client-encrypted.pem'), password },
    stranger: { pemPath: at('stranger.pem') },
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
}

/**
 * An MSAL HTTP client that trusts `ca`, for MSAL in this process (a child process gets NODE_EXTRA_CA_CERTS
 * instead). It records the URLs it was asked for.
 */
export function trustingNetworkClient(ca: string): INetworkModule & { readonly urls: string[] } {
  const urls: string[] = [];
  const send = <T>(method: 'GET' | 'POST', url: string, options?: NetworkRequestOptions) =>
    new Promise<NetworkResponse<T>>((resolve, reject) => {
      urls.push(url);
      const req = request(url, { method, ca, headers: options?.headers ?? {} }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const headers = Object.fromEntries(Object.entries(res.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : String(v)]));
          resolve({ status: res.statusCode ?? 0, headers, body: (text === '' ? {} : JSON.parse(text)) as T });
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(options?.body);
    });
  return {
    urls,
    sendGetRequestAsync: (url, options) => send('GET', url, options),
    sendPostRequestAsync: (url, options) => send('POST', url, options),
  };
}
