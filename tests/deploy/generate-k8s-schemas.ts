/**
 * Writes tests/deploy/k8s-schemas.json: strict JSON Schemas of the Kubernetes objects our manifests use,
 * for k8s.test.ts to validate `kubectl kustomize` output against, offline.
 *
 *   node tests/deploy/generate-k8s-schemas.ts [dir with kubernetes-models and @kubernetes-models/apimachinery]
 *
 * Source: the type declarations of the npm packages kubernetes-models and @kubernetes-models/apimachinery
 * (MIT, generated from the Kubernetes OpenAPI document), fetched with `npm pack` when no folder is given.
 * They carry every field, its type, whether it is required, and the enums. The schemas made here are strict:
 * an unknown field (a typo such as `readinesProbe`) is an error, as in the API server's strict field
 * validation. Quantities, int-or-strings and timestamps get the formats of @kubernetes-models/validate.
 * The declarations say `number` for integers too: which numbers are integers is read from the package's
 * compiled validators (_schemas/*.js). What neither says: patterns and lengths (names, labels) the API server
 * checks in code.
 *
 * To validate a kind that is not in the file yet, add it to KINDS and run this again.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import ts from 'typescript';

export const PACKAGES = ['kubernetes-models@5.1.0', '@kubernetes-models/apimachinery@3.0.2'] as const;

/** apiVersion/kind of every object kind a manifest may use. */
export const KINDS = [
  'v1/Namespace',
  'v1/ConfigMap',
  'v1/Secret',
  'v1/Service',
  'v1/ServiceAccount',
  'v1/PersistentVolumeClaim',
  'apps/v1/Deployment',
  'apps/v1/StatefulSet',
  'batch/v1/Job',
  'batch/v1/CronJob',
  'policy/v1/PodDisruptionBudget',
  'networking.k8s.io/v1/Ingress',
  'networking.k8s.io/v1/NetworkPolicy',
  'autoscaling/v2/HorizontalPodAutoscaler',
] as const;

type Schema = Record<string, unknown>;

/** Types whose declarations are too loose (`string | number`) for what the API accepts. */
const SPECIAL: Record<string, Schema> = {
  IoK8sApimachineryPkgApiResourceQuantity: {
    oneOf: [{ type: 'number' }, { type: 'string', format: 'quantity' }],
  },
  IoK8sApimachineryPkgUtilIntstrIntOrString: { oneOf: [{ type: 'string' }, { type: 'integer', format: 'int32' }] },
  IoK8sApimachineryPkgApisMetaV1Time: { type: 'string', format: 'date-time' },
  IoK8sApimachineryPkgApisMetaV1MicroTime: { type: 'string', format: 'date-time' },
};

interface ParsedFile {
  /** local name -> [file it comes from, name there] */
  imports: Map<string, [string, string]>;
  /** local name -> global name (IIoK8s...) */
  exported: Map<string, string>;
  declarations: Map<string, ts.InterfaceDeclaration | ts.TypeAliasDeclaration>;
}

export function generate(modelsDir: string, apimachineryDir: string) {
  const files = new Map<string, ParsedFile>();
  const definitions: Record<string, Schema> = {};

  const resolveModule = (from: string, specifier: string): string | undefined => {
    if (specifier.startsWith('.')) return resolve(dirname(from), specifier).replace(/\.js$/, '.d.ts');
    const apimachinery = '@kubernetes-models/apimachinery/';
    if (specifier.startsWith(apimachinery)) return join(apimachineryDir, `${specifier.slice(apimachinery.length)}.d.ts`);
    return undefined; // @kubernetes-models/base: Model, ModelData, TypeMeta
  };

  const parse = (file: string): ParsedFile => {
    const cached = files.get(file);
    if (cached) return cached;
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    const parsed: ParsedFile = { imports: new Map(), exported: new Map(), declarations: new Map() };
    for (const statement of source.statements) {
      if (ts.isImportDeclaration(statement) && ts.isStringLiteral(statement.moduleSpecifier)) {
        const from = resolveModule(file, statement.moduleSpecifier.text);
        const bindings = statement.importClause?.namedBindings;
        if (from && bindings && ts.isNamedImports(bindings)) {
          for (const element of bindings.elements) {
            parsed.imports.set(element.name.text, [from, (element.propertyName ?? element.name).text]);
          }
        }
      } else if (ts.isExportDeclaration(statement) && statement.exportClause && ts.isNamedExports(statement.exportClause)) {
        for (const element of statement.exportClause.elements) {
          const local = (element.propertyName ?? element.name).text;
          if (element.name.text.startsWith('IIoK8s')) parsed.exported.set(local, element.name.text);
        }
      } else if (ts.isInterfaceDeclaration(statement) || ts.isTypeAliasDeclaration(statement)) {
        parsed.declarations.set(statement.name.text, statement);
      }
    }
    files.set(file, parsed);
    return parsed;
  };

  /** Makes sure the definition of `name` (as seen in `file`) exists; returns its key. */
  const define = (file: string, name: string): string => {
    const parsed = parse(file);
    const imported = parsed.imports.get(name);
    if (imported) return define(imported[0], imported[1]);
    const local = [...parsed.exported].find(([, global]) => global === name)?.[0] ?? name;
    const declaration = parsed.declarations.get(local);
    const global = parsed.exported.get(local);
    if (!declaration || !global) throw new Error(`cannot resolve ${name} in ${file}`);
    const key = global.slice(1);
    if (key in definitions) return key;
    definitions[key] = {}; // placeholder against cycles (JSONSchemaProps refers to itself)
    definitions[key] =
      SPECIAL[key] ??
      (ts.isInterfaceDeclaration(declaration) ? objectOf(file, declaration.members, key) : schemaOf(file, declaration.type));
    return key;
  };

  /** Names of the properties of definition `key` that its compiled validator checks as integers. */
  const integersOf = (key: string): Set<string> => {
    const integers = new Set<string>();
    const compiled = [modelsDir, apimachineryDir]
      .map((dir) => join(dir, '_schemas', `${key}.js`))
      .find((path) => existsSync(path));
    if (!compiled) return integers;
    const code = readFileSync(compiled, 'utf8');
    const bodies = new Map<string, string>();
    for (const part of code.split(/(?=function validate\d+\()/)) {
      const name = /^function (validate\d+)\(/.exec(part)?.[1];
      if (name) bodies.set(name, part);
    }
    for (const [, property, fn] of code.matchAll(/void 0!==data(?:\.(\w+)|\["[^"]+"\])&&\((validate\d+)\(/g)) {
      if (property && bodies.get(fn!)?.includes('params:{type:"integer"}')) integers.add(property);
    }
    return integers;
  };

  const objectOf = (file: string, members: ts.NodeArray<ts.TypeElement>, key?: string): Schema => {
    const integers = key ? integersOf(key) : new Set<string>();
    const properties: Record<string, Schema> = {};
    const required: string[] = [];
    let additionalProperties: Schema | false = false;
    for (const member of members) {
      if (ts.isPropertySignature(member) && member.type) {
        const name = ts.isStringLiteral(member.name) || ts.isIdentifier(member.name) ? member.name.text : undefined;
        if (name === undefined) throw new Error(`unexpected property name in ${file}`);
        const schema = schemaOf(file, member.type);
        properties[name] = integers.has(name) && schema.type === 'number' ? { ...schema, type: 'integer' } : schema;
        if (!member.questionToken) required.push(name);
      } else if (ts.isIndexSignatureDeclaration(member)) {
        additionalProperties = schemaOf(file, member.type);
      } else {
        throw new Error(`unexpected member ${ts.SyntaxKind[member.kind]} in ${file}`);
      }
    }
    return {
      type: 'object',
      ...(Object.keys(properties).length > 0 ? { properties } : {}),
      ...(required.length > 0 ? { required } : {}),
      additionalProperties,
    };
  };

  const schemaOf = (file: string, node: ts.TypeNode): Schema => {
    switch (node.kind) {
      case ts.SyntaxKind.StringKeyword:
        return { type: 'string' };
      case ts.SyntaxKind.NumberKeyword:
        return { type: 'number' };
      case ts.SyntaxKind.BooleanKeyword:
        return { type: 'boolean' };
      case ts.SyntaxKind.AnyKeyword:
      case ts.SyntaxKind.UnknownKeyword:
      case ts.SyntaxKind.ObjectKeyword:
        return {};
    }
    if (ts.isParenthesizedTypeNode(node)) return schemaOf(file, node.type);
    if (ts.isArrayTypeNode(node)) return { type: 'array', items: schemaOf(file, node.elementType) };
    if (ts.isTypeLiteralNode(node)) return objectOf(file, node.members);
    if (ts.isLiteralTypeNode(node)) {
      if (ts.isStringLiteral(node.literal)) return { const: node.literal.text };
      if (node.literal.kind === ts.SyntaxKind.NullKeyword) return { type: 'null' };
      if (node.literal.kind === ts.SyntaxKind.TrueKeyword) return { const: true };
      if (node.literal.kind === ts.SyntaxKind.FalseKeyword) return { const: false };
    }
    if (ts.isUnionTypeNode(node)) {
      const members = node.types.map((type) => schemaOf(file, type));
      if (members.every((member) => typeof member.const === 'string')) {
        return { type: 'string', enum: members.map((member) => member.const) };
      }
      if (members.every((member) => typeof member.type === 'string' && Object.keys(member).length === 1)) {
        return { type: members.map((member) => member.type) };
      }
      return { anyOf: members };
    }
    if (ts.isTypeReferenceNode(node) && ts.isIdentifier(node.typeName)) {
      const name = node.typeName.text;
      if (name === 'Array' && node.typeArguments?.length === 1) {
        return { type: 'array', items: schemaOf(file, node.typeArguments[0]!) };
      }
      if (name === 'Record' && node.typeArguments?.length === 2) {
        return { type: 'object', additionalProperties: schemaOf(file, node.typeArguments[1]!) };
      }
      return { $ref: `#/definitions/${define(file, name)}` };
    }
    throw new Error(`unexpected type ${ts.SyntaxKind[node.kind]} (${node.getText()}) in ${file}`);
  };

  const kinds: Record<string, string> = {};
  for (const kind of KINDS) {
    const file = join(modelsDir, `${kind}.d.ts`);
    const parsed = parse(file);
    const name = kind.split('/').at(-1)!;
    const global = parsed.exported.get(`I${name}`);
    if (!global) throw new Error(`no I${name} in ${file}`);
    kinds[kind] = define(file, global);
  }
  const sorted = Object.fromEntries(Object.entries(definitions).sort(([a], [b]) => a.localeCompare(b)));
  return { kinds, definitions: sorted };
}

function fetchPackages(): { dir: string; models: string; apimachinery: string } {
  const dir = mkdtempSync(join(tmpdir(), 'k8s-schemas-'));
  const tarballs = execFileSync('npm', ['pack', '--silent', ...PACKAGES], { cwd: dir, encoding: 'utf8' })
    .trim()
    .split('\n');
  const unpacked = tarballs.map((tarball) => {
    const target = join(dir, tarball.replace(/\.tgz$/, ''));
    mkdirSync(target);
    execFileSync('tar', ['xzf', join(dir, tarball), '-C', target]);
    return join(target, 'package');
  });
  return { dir, models: unpacked[0]!, apimachinery: unpacked[1]! };
}

if (import.meta.main) {
  const given = process.argv[2];
  const fetched = given ? undefined : fetchPackages();
  const models = given ? join(given, 'kubernetes-models') : fetched!.models;
  const apimachinery = given ? join(given, '@kubernetes-models/apimachinery') : fetched!.apimachinery;
  if (!existsSync(join(models, 'apps/v1/Deployment.d.ts'))) throw new Error(`no kubernetes-models in ${models}`);
  const { kinds, definitions } = generate(models, apimachinery);
  const output = join(import.meta.dirname, 'k8s-schemas.json');
  const document = {
    $comment: `Generated by tests/deploy/generate-k8s-schemas.ts from ${PACKAGES.join(' and ')} (MIT). Do not edit.`,
    kinds,
    definitions,
  };
  writeFileSync(output, `${JSON.stringify(document, null, 1)}\n`);
  console.log(`${output}: ${Object.keys(kinds).length} kinds, ${Object.keys(definitions).length} definitions`);
  if (fetched) rmSync(fetched.dir, { recursive: true, force: true });
}
