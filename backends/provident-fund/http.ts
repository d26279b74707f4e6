import { z } from 'zod';
import { BackendError, type CallOptions } from '../errors.ts';
import { JsonHttpBackend, bearer, type HttpBackendOptions } from '../http-call.ts';
import type { ProvidentFundCentre, ProvidentFundStatement, SocialSecurityPerson, StatementPeriod } from './types.ts';

/**
 * Provident-fund centre over HTTP. JSON, camelCase, amounts in fen. Optional `Authorization: Bearer <credential>`.
 *
 *   POST /gjj/v1/statements {idNumber, period:{from:"YYYY-MM", to:"YYYY-MM"}}
 *        200 {statement: ProvidentFundStatement}
 *        404 {code:"NO_ACCOUNT", message}       no account for this ID number
 *        400 {code:"PERIOD_INVALID", message}   period outside what the centre keeps
 *   POST /gjj/v1/persons/by-social-security-code {code}
 *        200 {person: {name, idNumber}}
 *        400 {code:"CODE_INVALID"|"CODE_EXPIRED", message}
 *
 * Both are reads: issuing a statement or resolving a code changes nothing at the centre, so a failed
 * call is safe to repeat (the ID number and the code travel in the body, never in the URL).
 */

export interface HttpProvidentFundOptions extends HttpBackendOptions {
  credential?: string;
}

const fen = z.number().int();
const month = z.string().regex(/^\d{4}-\d{2}$/);
const statementSchema = z.object({
  statementNo: z.string().min(1),
  accountNumber: z.string().min(4),
  holderName: z.string().min(1),
  idNumber: z.string().min(1),
  employer: z.string(),
  accountStatus: z.enum(['normal', 'sealed', 'closed']),
  balanceFen: fen,
  monthlyDepositFen: fen,
  period: z.object({ from: month, to: month }),
  rows: z.array(z.object({ date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/), description: z.string(), amountFen: fen, balanceFen: fen })),
  generatedAt: z.string().min(1),
  verificationCode: z.string().min(1),
});

export class HttpProvidentFundCentre implements ProvidentFundCentre {
  private readonly http: JsonHttpBackend;
  constructor(options: HttpProvidentFundOptions) {
    this.http = new JsonHttpBackend('providentFund', { ...options, authenticate: options.authenticate ?? bearer(options.credential) });
  }

  async statement(req: { idNumber: string; period: StatementPeriod }, opts?: CallOptions): Promise<ProvidentFundStatement> {
    const { body } = await this.http.call(
      {
        operation: `fetch statement ${req.period.from}..${req.period.to}`,
        method: 'POST',
        path: '/gjj/v1/statements',
        body: { idNumber: req.idNumber, period: { from: req.period.from, to: req.period.to } },
        write: false,
        schema: z.object({ statement: statementSchema }),
      },
      opts,
    );
    if (body.statement.idNumber !== req.idNumber) {
      // never print someone else's statement
      throw new BackendError('providentFund', 'protocol', 'not-done', 'WRONG_HOLDER', 'the centre answered with a statement for a different ID number; nothing may be printed');
    }
    return body.statement;
  }

  async personBySocialSecurityCode(req: { code: string }, opts?: CallOptions): Promise<SocialSecurityPerson> {
    const { body } = await this.http.call(
      {
        // the code is a credential: it is never part of an error message
        operation: 'resolve an e-social-security-card code',
        method: 'POST',
        path: '/gjj/v1/persons/by-social-security-code',
        body: { code: req.code },
        write: false,
        schema: z.object({ person: z.object({ name: z.string().min(1), idNumber: z.string().min(1) }) }),
      },
      opts,
    );
    return { name: body.person.name, idNumber: body.person.idNumber };
  }
}
