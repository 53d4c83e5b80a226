import ts from 'typescript';

/** A user-visible string written into the code instead of taken from the catalogue. */
export interface StrayString {
  line: number;
  text: string;
}

// Attributes whose value a person reads or hears; every other attribute (class, data-testid, href, id,
// type, role...) holds a machine value.
const SPOKEN_ATTRIBUTES = new Set([
  'aria-label',
  'aria-valuetext',
  'aria-description',
  'title',
  'placeholder',
  'alt',
  'label',
]);
// Calls whose strings are for developers: logs and programming errors.
const DEVELOPER_CALLS = /^(console\.\w+|Error|TypeError|RangeError)$/;
const HAS_LETTER = /\p{L}/u;
/**
 * Prose, as opposed to ids, class names, URLs and keys: a capitalized word (`Ready`), words starting with a
 * capital (`Open a web page`), or words ending in a stop (`then try again.`).
 */
const PROSE = /^\s*\p{Lu}\p{Ll}+\s*$|^\s*\p{Lu}[\p{Ll}’']*(\s+\S+)+|\p{L}\s+\S.*[.…?!:]\s*$/u;

function calleeName(call: ts.CallExpression | ts.NewExpression): string {
  return call.expression.getText();
}

/** Whether this literal is an argument of a developer-facing call (console.warn('...'), new Error('...')). */
function inDeveloperCall(node: ts.Node): boolean {
  for (let at: ts.Node | undefined = node.parent; at; at = at.parent) {
    if ((ts.isCallExpression(at) || ts.isNewExpression(at)) && DEVELOPER_CALLS.test(calleeName(at)))
      return true;
    if (ts.isBlock(at) || ts.isSourceFile(at)) return false;
  }
  return false;
}

function literalText(node: ts.Node): string | null {
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
  if (ts.isTemplateExpression(node))
    return [node.head.text, ...node.templateSpans.map((span) => span.literal.text)].join(' ');
  return null;
}

/** A position that holds a machine value whatever it spells: imports, types, keys, comparisons, switch cases. */
function isMachinePosition(node: ts.Node): boolean {
  const parent = node.parent;
  if (!parent) return false;
  if (ts.isImportDeclaration(parent) || ts.isExportDeclaration(parent) || ts.isLiteralTypeNode(parent))
    return true;
  if (ts.isPropertyAssignment(parent) && parent.name === node) return true;
  if (ts.isElementAccessExpression(parent)) return true;
  if (ts.isCaseClause(parent)) return true;
  if (ts.isBinaryExpression(parent) && /^(===|!==|==|!=)$/.test(parent.operatorToken.getText())) return true;
  return false;
}

/**
 * The user-visible strings written straight into a `.tsx` or handler file: JSX text, spoken attributes, and
 * string literals that read as prose (a capital and more words, or an ending stop) outside developer calls,
 * imports, types, keys and comparisons. Catalogue keys (`t('popup_summarize')`) are none of these.
 */
export function findStrayStrings(fileName: string, source: string): StrayString[] {
  const file = ts.createSourceFile(
    fileName,
    source,
    ts.ScriptTarget.Latest,
    true,
    fileName.endsWith('.tsx') ? ts.ScriptKind.TSX : ts.ScriptKind.TS,
  );
  const found: StrayString[] = [];
  const report = (node: ts.Node, text: string) =>
    found.push({ line: file.getLineAndCharacterOfPosition(node.getStart()).line + 1, text: text.trim() });

  const visit = (node: ts.Node) => {
    if (ts.isJsxText(node)) {
      if (HAS_LETTER.test(node.text)) report(node, node.text);
      return;
    }
    if (ts.isJsxAttribute(node)) {
      const name = node.name.getText();
      const value = node.initializer;
      const literal =
        value && ts.isStringLiteral(value)
          ? value.text
          : value && ts.isJsxExpression(value) && value.expression
            ? literalText(value.expression)
            : null;
      if (SPOKEN_ATTRIBUTES.has(name) && literal !== null && HAS_LETTER.test(literal)) report(node, literal);
      // Any other attribute is a machine value (class, data-testid, href...); its expression is still read.
      if (value && ts.isJsxExpression(value) && value.expression && literal === null) visit(value.expression);
      return;
    }
    const text = literalText(node);
    if (text !== null) {
      if (HAS_LETTER.test(text) && PROSE.test(text) && !isMachinePosition(node) && !inDeveloperCall(node))
        report(node, text);
      if (!ts.isTemplateExpression(node)) return;
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}
