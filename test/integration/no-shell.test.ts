import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import ts from 'typescript';
import { repoRoot } from '../harness/cli.js';

// No input is ever interpolated into a shell string: child processes are
// started with a program and an argument array, never through a shell.
// This reads every source file (TypeScript's parser, so a regex's .exec()
// is not mistaken for child_process.exec) and fails with file:line.

const DIRS = ['shared', 'services', 'cli', 'bench', 'scripts', 'test'];
const SKIP = new Set(['node_modules', 'dist', 'fixtures']);
const PROCESS_CALLS = new Set(['spawn', 'spawnSync', 'execFile', 'execFileSync', 'fork']);
const SHELL_CALLS = new Set(['exec', 'execSync']);
const SHELLS = /^(\/bin\/|\/usr\/bin\/)?(sh|bash|zsh|dash|ash|cmd|cmd\.exe|powershell|pwsh)$/;

interface Site {
  where: string;
  call: string;
  program: string | null;
  /** Whether the arguments are an array literal or a variable (not a string). */
  arrayArgs: boolean;
}

interface Scan {
  sites: Site[];
  problems: string[];
}

async function sources(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (SKIP.has(entry.name) || entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await sources(full)));
    else if (/\.(ts|mts|mjs|js)$/.test(entry.name) && !entry.name.endsWith('.d.ts')) out.push(full);
  }
  return out;
}

function isStringy(node: ts.Expression): boolean {
  return (
    ts.isStringLiteral(node) ||
    ts.isNoSubstitutionTemplateLiteral(node) ||
    ts.isTemplateExpression(node) ||
    (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.PlusToken)
  );
}

/** Finds child_process calls in one file and what is wrong with them. */
export function scanSource(file: string, text: string, scan: Scan): void {
  const src = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const names = new Map<string, string>(); // local name -> child_process export
  const namespaces = new Set<string>();
  const at = (n: ts.Node) =>
    `${file}:${src.getLineAndCharacterOfPosition(n.getStart(src)).line + 1}`;

  for (const st of src.statements) {
    if (!ts.isImportDeclaration(st) || !ts.isStringLiteral(st.moduleSpecifier)) continue;
    if (!/^(node:)?child_process$/.test(st.moduleSpecifier.text)) continue;
    const bindings = st.importClause?.namedBindings;
    if (st.importClause?.name) namespaces.add(st.importClause.name.text);
    if (bindings && ts.isNamespaceImport(bindings)) namespaces.add(bindings.name.text);
    if (bindings && ts.isNamedImports(bindings)) {
      for (const el of bindings.elements) {
        const exported = (el.propertyName ?? el.name).text;
        names.set(el.name.text, exported);
        if (SHELL_CALLS.has(exported))
          scan.problems.push(
            `${at(el)}: imports ${exported} from child_process, which runs a shell`,
          );
      }
    }
  }

  function callee(expr: ts.Expression): string | null {
    if (ts.isIdentifier(expr)) return names.get(expr.text) ?? null;
    if (
      ts.isPropertyAccessExpression(expr) &&
      ts.isIdentifier(expr.expression) &&
      namespaces.has(expr.expression.text)
    )
      return expr.name.text;
    return null;
  }

  function visit(node: ts.Node): void {
    if (ts.isCallExpression(node)) {
      const name = callee(node.expression);
      if (name && SHELL_CALLS.has(name)) {
        scan.problems.push(`${at(node)}: ${name}() runs its command through a shell`);
      } else if (name && PROCESS_CALLS.has(name)) {
        const [program, args] = node.arguments;
        const literal = program && ts.isStringLiteral(program) ? program.text : null;
        scan.sites.push({
          where: at(node),
          call: name,
          program: literal,
          arrayArgs: args !== undefined && !isStringy(args) && !ts.isObjectLiteralExpression(args),
        });
        if (program && isStringy(program) && literal === null)
          scan.problems.push(
            `${at(node)}: ${name}() builds its program name from a string expression`,
          );
        if (literal !== null && /\s/.test(literal))
          scan.problems.push(
            `${at(node)}: ${name}("${literal}") passes a command line, not a program`,
          );
        if (literal !== null && SHELLS.test(literal))
          scan.problems.push(`${at(node)}: ${name}("${literal}") starts a shell`);
        if (args && isStringy(args))
          scan.problems.push(`${at(node)}: ${name}() gets its arguments as a string, not an array`);
        for (const a of node.arguments) {
          if (!ts.isObjectLiteralExpression(a)) continue;
          for (const p of a.properties) {
            const key = p.name && ts.isIdentifier(p.name) ? p.name.text : null;
            if (key !== 'shell') continue;
            const off =
              ts.isPropertyAssignment(p) && p.initializer.kind === ts.SyntaxKind.FalseKeyword;
            if (!off) scan.problems.push(`${at(p)}: ${name}() with the shell option`);
          }
        }
      }
    }
    ts.forEachChild(node, visit);
  }
  visit(src);
}

describe('no shell strings', () => {
  it('finds a shell, a command line and a shell option in a planted example', () => {
    const scan: Scan = { sites: [], problems: [] };
    scanSource(
      'planted.ts',
      [
        "import { exec, spawn as run, execFile } from 'node:child_process';",
        "import * as cp from 'child_process';",
        'const branch = process.argv[2];',
        'exec(`git checkout ${branch}`);',
        "run('git checkout main');",
        "run('git', ['checkout', branch], { shell: true });",
        "cp.spawnSync('sh', ['-c', 'git push']);",
        "execFile(`${branch}`, 'a b');",
        "/x/.exec('not a process');",
      ].join('\n'),
      scan,
    );
    assert.deepEqual(
      scan.problems.map((p) => p.replace(/ .*/, '')),
      [
        'planted.ts:1:',
        'planted.ts:4:',
        'planted.ts:5:',
        'planted.ts:6:',
        'planted.ts:7:',
        'planted.ts:8:',
        'planted.ts:8:',
      ],
      scan.problems.join('\n'),
    );
  });

  it('starts every child process with a program and an argument array, never a shell', async () => {
    const scan: Scan = { sites: [], problems: [] };
    let files = 0;
    for (const dir of DIRS) {
      for (const file of await sources(path.join(repoRoot, dir))) {
        files++;
        scanSource(path.relative(repoRoot, file), await readFile(file, 'utf8'), scan);
      }
    }
    assert.deepEqual(scan.problems, [], scan.problems.join('\n'));
    // The scan did find the process calls it guards: git in the rebuild, sources and engine packages.
    assert.ok(files > 100, `${files} files read`);
    const git = scan.sites.filter((s) => s.program === 'git');
    for (const pkg of ['shared/rebuild/', 'shared/sources/', 'shared/engine/']) {
      assert.ok(
        git.some((s) => s.where.startsWith(pkg)),
        `a git call in ${pkg}: ${JSON.stringify(git)}`,
      );
    }
    const loose = scan.sites.filter((s) => !s.arrayArgs);
    assert.deepEqual(
      loose.filter((s) => s.program === 'git' || !s.where.startsWith('test/')),
      [],
      'git and every non-test process call passes an argument array',
    );
  });
});
