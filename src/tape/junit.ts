/**
 * JUnit XML, the report every CI system reads, for `check`, `verify`, `tapes diff` and
 * `baseline check`: one test suite per command run, one test case per thing checked. Written with
 * junit-report-builder (Jenkins-compatible, escapes what XML needs escaped); what XML 1.0 cannot
 * hold at all (control characters, lone surrogates) is written as `\uXXXX` first, so a peer's
 * bytes never make the report unreadable.
 */
import { writePrivateFile } from '../core/private-file.js';
import type { Builder } from 'junit-report-builder';

export interface JUnitCase {
  /** The group a case belongs to, e.g. the method (`tools/call`). */
  classname: string;
  name: string;
  timeMs?: number;
  /** The check failed: a one-line message, a type, and details for the case's body. */
  failure?: { message: string; type: string; details?: string };
  skipped?: boolean;
  output?: string;
}

export interface JUnitSuite {
  name: string;
  timestamp?: string;
  properties?: Record<string, string>;
  cases: JUnitCase[];
}

/** Text XML 1.0 can carry: characters it forbids become visible escapes; `]]>` cannot end a CDATA section early. */
export function xmlSafe(text: string): string {
  return (
    text
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
      .replace(/]]>/g, ']]\\u003e')
  );
}

export async function junitXml(suites: JUnitSuite[]): Promise<string> {
  // A CommonJS module: its module.exports (the builder) arrives as the namespace's default.
  const reports = (await import('junit-report-builder')).default as unknown as Builder;
  const builder = reports.newBuilder();
  for (const spec of suites) {
    const suite = builder.testSuite().name(xmlSafe(spec.name));
    if (spec.timestamp) suite.timestamp(spec.timestamp);
    for (const [name, value] of Object.entries(spec.properties ?? {})) suite.property(xmlSafe(name), xmlSafe(value));
    for (const c of spec.cases) {
      const testCase = suite.testCase().className(xmlSafe(c.classname)).name(xmlSafe(c.name));
      if (c.timeMs !== undefined) testCase.time(c.timeMs / 1000);
      if (c.failure) {
        testCase.failure(xmlSafe(c.failure.message), xmlSafe(c.failure.type));
        if (c.failure.details) testCase.stacktrace(xmlSafe(c.failure.details));
      }
      if (c.skipped) testCase.skipped();
      if (c.output) testCase.standardOutput(xmlSafe(c.output));
    }
  }
  return builder.build();
}

/** Writes a report readable only by its owner (it may quote what a server said). */
export async function writeJUnit(file: string, suites: JUnitSuite[]): Promise<void> {
  const xml = await junitXml(suites);
  writePrivateFile(file, xml.endsWith('\n') ? xml : `${xml}\n`);
}
