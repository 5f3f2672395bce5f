import { expose, wrap, type Remote } from 'comlink';
import { afterEach, describe, expect, it } from 'vitest';
import { StudioError } from '../core/errors.ts';
import { installErrorTransfer } from './error-transfer.ts';

// `void`, not `never`: comlink's Remote<> maps `never` results to `never`, not to a Promise.
interface Thrower {
  studio(): void;
  plain(): void;
  odd(): void;
}

// Both ends live in this realm, as the worker and the page each install the handler on their side.
installErrorTransfer();

const channels: MessageChannel[] = [];
afterEach(() => {
  for (const c of channels.splice(0)) {
    c.port1.close();
    c.port2.close();
  }
});

function connect(): Remote<Thrower> {
  const channel = new MessageChannel();
  channels.push(channel);
  const thrower: Thrower = {
    studio() {
      throw new StudioError('forbidden-global', "global 'posix/system' is forbidden", { global: 'posix/system', at: 12n });
    },
    plain() {
      throw new TypeError('not a StudioError');
    },
    odd() {
      throw 'a string';
    },
  };
  expose(thrower, channel.port1 as unknown as Parameters<typeof expose>[1]);
  return wrap<Thrower>(channel.port2 as unknown as Parameters<typeof wrap>[0]);
}

describe('StudioError across a comlink boundary', () => {
  it('arrives as a StudioError with its code and details', async () => {
    const error = await connect()
      .studio()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StudioError);
    expect(error).toMatchObject({
      name: 'StudioError',
      code: 'forbidden-global',
      message: "global 'posix/system' is forbidden",
      details: { global: 'posix/system', at: 12n },
    });
  });

  it('keeps comlink’s behaviour for other errors and thrown values', async () => {
    const remote = connect();
    const plain = await remote.plain().catch((e: unknown) => e);
    expect(plain).toBeInstanceOf(Error);
    expect(plain).not.toBeInstanceOf(StudioError);
    expect(plain).toMatchObject({ name: 'TypeError', message: 'not a StudioError' });
    await expect(remote.odd()).rejects.toBe('a string');
  });
});
