// An SFTP session on a leased connection, for the duration of one transfer. The session is a
// channel like an exec, so it counts against the connection's channel cap until it closes.
import type { SFTPWrapper } from 'ssh2';
import type { Lease } from './pool.js';
import { TRANSPORT_CODES, TransportError, channelError, describe } from './errors.js';

export async function withSftp<T>(node: string, getLease: () => Promise<Lease>, fn: (sftp: SFTPWrapper) => Promise<T>): Promise<T> {
  const lease = await getLease();
  let lost = false;
  const onClose = (): void => {
    lost = true;
  };
  lease.client.once('close', onClose);
  let sftp: SFTPWrapper;
  try {
    sftp = await lease.open((client) => new Promise<SFTPWrapper>((resolve, reject) => client.sftp((err, s) => (err ? reject(err) : resolve(s)))));
  } catch (err) {
    lease.client.removeListener('close', onClose);
    lease.release();
    throw channelError(node, err, [], 'an SFTP session');
  }
  try {
    return await fn(sftp);
  } catch (err) {
    // The SFTP error can arrive a moment before the connection reports its close.
    if (!lost) await Promise.race([lease.closed, new Promise((r) => setTimeout(r, 200))]);
    if (lost) throw new TransportError(TRANSPORT_CODES.connectionLost, node, `connection lost during a file transfer: ${describe(err)}`, { failure: 'connection-lost', detail: err });
    if ((err as Error | null)?.name === 'AbortError') throw new TransportError(TRANSPORT_CODES.aborted, node, 'file transfer aborted by the operator');
    throw err;
  } finally {
    lease.client.removeListener('close', onClose);
    sftp.end();
    lease.release();
  }
}
