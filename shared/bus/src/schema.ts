import { z } from 'zod';

/**
 * How to reach NATS. Option names follow nats.js ConnectionOptions
 * (https://github.com/nats-io/nats.js/blob/main/core/src/core.ts).
 */
export const natsConnectionSchema = z
  .object({
    servers: z
      .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
      .default('nats://127.0.0.1:4222'),
    token: z.string().min(1).optional(),
    user: z.string().min(1).optional(),
    password: z.string().min(1).optional(),
    /** A NATS `.creds` file (JWT and NKey seed), for operator-mode accounts. */
    credsFile: z.string().min(1).optional(),
    tls: z
      .object({
        caFile: z.string().optional(),
        certFile: z.string().optional(),
        keyFile: z.string().optional(),
      })
      .optional(),
    /** Reconnect back-off; the client reconnects forever. */
    reconnect: z
      .object({
        initialMs: z.number().int().positive().default(250),
        maxMs: z.number().int().positive().default(10_000),
      })
      .prefault({}),
  })
  .superRefine((c, ctx) => {
    const ways = [c.token, c.user ?? c.password, c.credsFile].filter((v) => v !== undefined);
    if (ways.length > 1) {
      ctx.addIssue({ code: 'custom', message: 'use one of token, user/password or credsFile' });
    }
    if ((c.user === undefined) !== (c.password === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['password'],
        message: 'user and password go together',
      });
    }
  });

export type NatsConnectionInput = z.input<typeof natsConnectionSchema>;
export type NatsConnectionSettings = z.output<typeof natsConnectionSchema>;

/** Stream settings of the single topology; replicas 3 on a three-node cluster. */
export const streamOptionsSchema = z.object({
  replicas: z.number().int().min(1).max(5).default(1),
  /** JetStream drops a second message with the same Nats-Msg-Id inside this window. */
  duplicateWindowMs: z
    .number()
    .int()
    .positive()
    .default(2 * 60_000),
  maxAgeMs: z
    .number()
    .int()
    .positive()
    .default(7 * 24 * 3600_000),
  deadLetterMaxAgeMs: z
    .number()
    .int()
    .positive()
    .default(30 * 24 * 3600_000),
});

export type StreamOptionsInput = z.input<typeof streamOptionsSchema>;
export type StreamOptions = z.output<typeof streamOptionsSchema>;
