import { pino, type DestinationStream, type Logger } from 'pino';

/**
 * Fields that never reach a log line, at any of the depths our log calls use: credentials in request headers,
 * and password, token and secret fields of anything logged (a body, an error's context).
 */
export const LOG_REDACT_PATHS: readonly string[] = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["proxy-authorization"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  ...['password', 'newPassword', 'currentPassword', 'token', 'secret', 'authorization'].flatMap((key) => [
    key,
    `*.${key}`,
    `*.*.${key}`,
  ]),
];

/** The server's logger: JSON lines with secrets redacted (to stdout unless a destination is given). */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { service: 'gureum' },
    redact: { paths: [...LOG_REDACT_PATHS], censor: '[redacted]' },
  };
  return destination ? pino(options, destination) : pino(options);
}
