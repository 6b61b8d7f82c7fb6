import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { businessDayOf, isCalendarDate, isTimeZone } from './business-day.ts';

describe('the business day of an instant', () => {
  it('is the date in the station’s time zone, not in UTC', () => {
    assert.equal(businessDayOf('2026-04-30T15:30:00.000Z', 'Asia/Seoul'), '2026-05-01');
    assert.equal(businessDayOf('2026-04-30T14:59:59.999Z', 'Asia/Seoul'), '2026-04-30');
    assert.equal(businessDayOf('2026-04-30T15:30:00.000Z', 'UTC'), '2026-04-30');
  });

  it('knows IANA zones and refuses others', () => {
    assert.equal(isTimeZone('Asia/Seoul'), true);
    assert.equal(isTimeZone('Mars/Olympus'), false);
  });
});

describe('a calendar date', () => {
  it('is yyyy-MM-dd naming a day that exists', () => {
    assert.equal(isCalendarDate('2024-02-29'), true);
    assert.equal(isCalendarDate('2026-02-29'), false);
    assert.equal(isCalendarDate('2026-13-01'), false);
    assert.equal(isCalendarDate('2026-5-1'), false);
  });
});
