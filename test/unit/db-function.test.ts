import { describe, expect, it } from 'vitest';
import { dbFunction } from '../../src/db/functions';

describe('dbFunction', () => {
  const f = dbFunction<{ gatewayId: number; text: string; subject?: string | null }>('demo', {
    gatewayId: 'p_gateway_id int',
    text: 'p_text text',
    subject: 'p_subject text',
  });

  it('calls in named notation, values in the order of the placeholders; a left-out argument takes its default', () => {
    expect(f.call({ text: 'hi', gatewayId: 7 })).toEqual({
      text: 'demo(p_gateway_id => ?::int, p_text => ?::text)',
      params: [7, 'hi'],
    });
    expect(f.call({ gatewayId: 7, text: 'hi', subject: null })).toEqual({
      text: 'demo(p_gateway_id => ?::int, p_text => ?::text, p_subject => ?::text)',
      params: [7, 'hi', null],
    });
  });

  it('prepares every argument as a typed parameter', () => {
    const p = f.prepare('demo_call');
    expect(p.statement.prepare).toBe(
      'prepare demo_call(int, text, text) as select * from demo(p_gateway_id => $1, p_text => $2, p_subject => $3)',
    );
    expect(p.with({ text: 'hi', gatewayId: 7 })).toEqual([p.statement, [7, 'hi', null]]);
  });
});
