import { raw, type EntityManager, type FilterQuery } from '@mikro-orm/postgresql';
import { NotFoundError, Violations } from '../../common/errors';
import { toE164 } from '../../common/phone';
import { decodeCursor, toConnection, type Connection } from '../../graphql/connection';
import { Customer } from './customer.entity';

const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export interface CustomerFields {
  name?: string | null;
  phoneNumbers?: string[] | null;
  email?: string | null;
}

export class CustomerService {
  async create(em: EntityManager, input: CustomerFields): Promise<Customer> {
    const c = new Customer();
    this.apply(c, input, true);
    await em.persist(c).flush();
    return c;
  }

  async update(em: EntityManager, id: number, input: CustomerFields): Promise<Customer> {
    const c = await em.findOne(Customer, { id });
    if (!c) throw new NotFoundError('Customer', id);
    this.apply(c, input, false);
    await em.flush();
    return c;
  }

  /** Customers by name, then id; `search` matches name, e-mail or any phone number. */
  async list(
    em: EntityManager,
    search: string | undefined,
    first: number,
    after?: string,
  ): Promise<Connection<Customer>> {
    const where: FilterQuery<Customer>[] = [];
    const s = search?.trim();
    if (s) {
      const like = `%${s.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
      const or: FilterQuery<Customer>[] = [{ name: { $ilike: like } }, { email: { $ilike: like } }];
      const phone = toE164(s);
      if (phone.ok) or.push({ phoneNumbers: { $contains: [phone.e164] } });
      const digits = s.replace(/[^0-9]/g, '');
      if (digits.length >= 3 && /^[+0-9\s()-]+$/.test(s)) {
        or.push({ [raw(`array_to_string(phone_numbers, ',')`)]: { $like: `%${digits}%` } } as FilterQuery<Customer>);
      }
      where.push({ $or: or });
    }
    if (after) {
      const [name, id] = decodeCursor(after);
      if (typeof name !== 'string' || typeof id !== 'number') decodeCursor('!');
      where.push({ $or: [{ name: { $gt: name as string } }, { name: name as string, id: { $gt: id as number } }] });
    }
    const rows = await em.find(Customer, { $and: where }, { orderBy: { name: 'asc', id: 'asc' }, limit: first + 1 });
    return toConnection(rows, first, (c) => [c.name, c.id], !!after);
  }

  private apply(c: Customer, input: CustomerFields, isCreate: boolean): void {
    const v = new Violations();
    if (input.name != null || isCreate) {
      const name = (input.name ?? '').trim();
      if (!name) v.add('name', 'required', 'must not be empty');
      c.name = name;
    }
    if (input.phoneNumbers != null) {
      const out: string[] = [];
      input.phoneNumbers.forEach((raw, i) => {
        const r = toE164(raw);
        if (!r.ok) v.add(`phoneNumbers[${i}]`, 'phoneNumber', `"${raw}" ${r.reason}`);
        else if (!out.includes(r.e164)) out.push(r.e164);
      });
      c.phoneNumbers = out;
    }
    if (input.email !== undefined) {
      const email = input.email?.trim() || undefined;
      if (email && !EMAIL_RE.test(email)) v.add('email', 'email', `"${email}" is not an e-mail address`);
      c.email = email;
    }
    v.throwIfAny();
  }
}
