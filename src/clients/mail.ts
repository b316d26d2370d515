/**
 * E-mail (alerts) through `npm:nodemailer` over SMTP: Mailpit in production, a capturing SMTP server in
 * development and tests (`dev/services/smtp.ts`).
 *
 * @module
 */
// @ts-types="npm:@types/nodemailer@8.0.2"
import nodemailer from "nodemailer";
import type { Config } from "../config.ts";

/** A message to send; `to` defaults to ALERT_EMAIL_TO. */
export interface Mail {
  subject: string;
  text: string;
  html?: string;
  to?: string[];
}

/** Sends mail with the configured SMTP server and sender. */
export class Mailer {
  readonly #transport: nodemailer.Transporter;
  constructor(readonly cfg: Config["smtp"]) {
    this.#transport = nodemailer.createTransport({
      host: cfg.host,
      port: cfg.port,
      secure: cfg.secure,
      ...(cfg.user !== "" ? { auth: { user: cfg.user, pass: cfg.password } } : {}),
      // Local capture servers (Mailpit, dev/services/smtp.ts) have no certificate worth checking.
      ignoreTLS: !cfg.secure,
      connectionTimeout: 10_000,
    });
  }

  /** Send one message; resolves to the server-assigned message id. */
  async send(mail: Mail): Promise<string> {
    const info = await this.#transport.sendMail({
      from: this.cfg.from,
      to: (mail.to ?? this.cfg.to).join(", "),
      subject: mail.subject,
      text: mail.text,
      ...(mail.html ? { html: mail.html } : {}),
    });
    return String(info.messageId);
  }

  /** Null when the SMTP server greets us, else the reason. */
  async health(): Promise<string | null> {
    try {
      await this.#transport.verify();
      return null;
    } catch (e) {
      return `SMTP ${this.cfg.host}:${this.cfg.port}: ${(e as Error).message}`;
    }
  }

  close(): void {
    this.#transport.close();
  }
}

export function createMailer(cfg: Config["smtp"]): Mailer {
  return new Mailer(cfg);
}
