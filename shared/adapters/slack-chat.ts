/**
 * Slack messages through the official Web API client (`@slack/web-api`): `chat.postMessage` and
 * `chat.update`, with the client's base URL configurable (the sandbox's double). The client's own
 * retries cover 429s (it honours `Retry-After`) and network failures; what is left is classified
 * once here: Slack's platform errors (`channel_not_found`, `invalid_auth`, `msg_too_long`…) are
 * terminal, a rate limit or a request that never got an answer is transient. The token never
 * appears in an error or a log line.
 */
import { ErrorCode, LogLevel, WebClient, type Logger as SlackLogger } from '@slack/web-api';
import { TerminalError, TransientError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';

/** A Block Kit block, as Slack takes it (built by the caller). */
export type SlackBlock = Record<string, unknown>;

/** One message: `text` is the notification and accessibility fallback of `blocks`. */
export interface ChatMessage {
  channel: string;
  text: string;
  blocks: SlackBlock[];
}

/** Posts and updates Slack messages. */
export interface ChatAdapter {
  /** Posts a message; returns where it is (`ts` identifies it in its channel). */
  post(message: ChatMessage): Promise<{ channel: string; ts: string }>;
  /** Replaces the message at `ts` in `channel`. */
  update(message: ChatMessage & { ts: string }): Promise<void>;
}

/** A chat adapter and the channel approvals go to. */
export interface ApprovalsChat {
  chat: ChatAdapter;
  channel: string;
}

/** Options of {@link createSlackChatAdapter}. */
export interface SlackChatOptions {
  token: string;
  /** Slack's Web API base, e.g. `https://slack.com/api`. */
  apiUrl: string;
  log: Logger;
  /** Per-request timeout; a chat message must not hold a tick up for long. */
  timeoutMs?: number;
}

/** The Web API client behind a {@link ChatAdapter}. */
export function createSlackChatAdapter(options: SlackChatOptions): ChatAdapter {
  const client = new WebClient(options.token, {
    slackApiUrl: `${options.apiUrl.replace(/\/+$/, '')}/`,
    logger: quietLogger(options.log),
    logLevel: LogLevel.WARN,
    timeout: options.timeoutMs ?? 5_000,
    retryConfig: { retries: 2, factor: 2, minTimeout: 200, maxTimeout: 2_000 },
    // Slack's answer says which method failed; an absolute URL in a method name is never ours.
    allowAbsoluteUrls: false,
  });
  return {
    async post(message) {
      const answer = await call('chat.postMessage', () =>
        client.chat.postMessage({ channel: message.channel, text: message.text, blocks: message.blocks as never, unfurl_links: false }),
      );
      if (!answer.ts || !answer.channel) throw new TerminalError('chat.postMessage answered without a channel and ts');
      return { channel: answer.channel, ts: answer.ts };
    },
    async update(message) {
      await call('chat.update', () =>
        client.chat.update({ channel: message.channel, ts: message.ts, text: message.text, blocks: message.blocks as never }),
      );
    },
  };
}

/** Runs one call and classifies its failure; the messages name Slack's error code, never the token. */
async function call<T>(method: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    const e = error as { code?: string; data?: { error?: string }; retryAfter?: number; statusCode?: number };
    if (e.code === ErrorCode.PlatformError) {
      const code = e.data?.error ?? 'unknown_error';
      const retry = code === 'ratelimited' || code === 'internal_error' || code === 'fatal_error' || code === 'service_unavailable';
      const Failure = retry ? TransientError : TerminalError;
      throw new Failure(`Slack ${method} failed: ${code}`, { method, slackError: code });
    }
    if (e.code === ErrorCode.RateLimitedError)
      throw new TransientError(`Slack ${method} rate limited`, { method, retryAfterSeconds: e.retryAfter });
    if (e.code === ErrorCode.HTTPError && (e.statusCode ?? 500) < 500)
      throw new TerminalError(`Slack ${method} answered HTTP ${e.statusCode}`, { method, status: e.statusCode });
    throw new TransientError(`Slack ${method} got no answer: ${e.code ?? 'network error'}`, { method });
  }
}

/** The client's logger, routed into ours at warning and above (its debug lines may quote request bodies). */
function quietLogger(log: Logger): SlackLogger {
  let level = LogLevel.WARN;
  return {
    debug: () => undefined,
    info: () => undefined,
    warn: (...msg: unknown[]) => log.warn('slack web api client', { component: 'slack-chat', detail: msg.map(String).join(' ') }),
    error: (...msg: unknown[]) => log.error('slack web api client', { component: 'slack-chat', detail: msg.map(String).join(' ') }),
    setLevel: (l: LogLevel) => void (level = l),
    getLevel: () => level,
    setName: () => undefined,
  };
}
