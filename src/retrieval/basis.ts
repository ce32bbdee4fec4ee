/**
 * How well the retrieved passages support an answer: `solid` (a passage states what is asked), `partial`
 * (related provisions, but none states the figure, period, amount or party the question asks for) or `none`.
 * Answer-type checking: a question asking 多久/多少/几/比例/谁 needs a sentence among the top passages that holds
 * a value of that kind together with the question's own key terms.
 */
import type { Hit } from '../core/types.js';

export type Basis = 'solid' | 'partial' | 'none';

/** The kinds of value a question can ask for. */
export type AnswerType = 'period' | 'money' | 'count' | 'ratio' | 'distance' | 'level' | 'phone' | 'party';

const NUM = '(?:\\d+(?:\\.\\d+)?|[零〇一二两三四五六七八九十百千万]+|半)';

interface AnswerTypeRule {
  type: AnswerType;
  /** What in the question asks for this kind of value. */
  asks: RegExp;
  /** A value of this kind in a passage sentence. */
  value: RegExp;
  /** The plain sentence shown with a `partial` basis. */
  missing: string;
}

const RULES: readonly AnswerTypeRule[] = [
  {
    type: 'phone',
    asks: /电话(?:号码)?是多少|号码是多少|电话多少|什么电话|电话号码/,
    value: /\d{3,}(?:-\d+)?/,
    missing: '知识库中的相关规定未载明所问的电话号码',
  },
  {
    type: 'period',
    asks: /多久|多长时间|多长期限|几(?:个)?(?:小时|天|日|月|年|分钟|周)|多少(?:小时|天|日|个月|年|分钟|周)|期限是|时限是|有效期|周期|什么时候(?:之前|以前|前)|最迟|几月份|哪个月/,
    value: new RegExp(`${NUM}\\s*(?:个)?(?:小时|日|天|个月|月|年|分钟|周|工作日)|立即|即时|当日|当天|每(?:年|季|月|周|日|半年)|月份|[一二三四五六七八九十]+月`),
    missing: '知识库中的相关规定未载明所问的具体时限或周期',
  },
  {
    type: 'money',
    asks: /多少钱|罚多少|罚款多少|多少元|金额|赔偿标准|什么标准赔|赔.{0,2}什么标准|奖金|奖励多少|补偿多少|赔多少|投资多少/,
    value: new RegExp(`${NUM}\\s*(?:元|万元|亿元)|倍以上|倍以下|倍的罚款`),
    missing: '知识库中的相关规定未载明所问的具体金额',
  },
  {
    type: 'ratio',
    asks: /比例|百分之|百分比|配比|每多少|多少比|占多少/,
    value: new RegExp(`${NUM}\\s*%|百分之|${NUM}分之|每${NUM}`),
    missing: '知识库中的相关规定未载明所问的具体比例或配比',
  },
  {
    type: 'distance',
    asks: /多少米|几米|多少公里|几公里|多远|半径|距离多少|隔开多少|多高|多深|多宽/,
    value: new RegExp(`${NUM}\\s*(?:米|公里|千米|厘米|毫米)`),
    missing: '知识库中的相关规定未载明所问的具体距离或尺寸',
  },
  {
    type: 'level',
    asks: /几级|多少级|什么级别|哪一级|哪级|震级|风力|含量到多少|浓度|标准是多少|多少度/,
    value: new RegExp(`${NUM}\\s*(?:级|度|毫克|mg|%)|[ⅠⅡⅢⅣ]+级|特别重大|重大|较大|一般`),
    missing: '知识库中的相关规定未载明所问的具体级别或标准',
  },
  {
    type: 'count',
    asks: /多少人|几个人|几人|几名|几台|几座|(?:要|得|需|应|该|放|配|设|装|备|建|配备|设置)几(?:个|名|座|台|辆|具|只|套|支|家|处)|死几个|多少名|多少座|多少台|多少个|多少具|多少只|一共有多少|最少要配多少|多少辆/,
    value: new RegExp(`${NUM}\\s*(?:人|名|座|台|个|辆|处|家|套|支)`),
    missing: '知识库中的相关规定未载明所问的具体数量',
  },
  {
    type: 'party',
    asks: /由谁|是谁|找谁|向谁|报给谁|谁负责|谁来|谁说了算|哪个部门|哪些部门|哪个单位|哪些单位|哪个机构|哪一级政府/,
    value: /部门|机构|机关|政府|委员会|指挥部|办公室|中心|单位|负责人|人员|公司|企业|组织|队伍|医院/,
    missing: '知识库中的相关规定未载明所问的责任单位或人员',
  },
];

/** Of the key terms, this IDF share must stand in the sentence that holds the value. */
export const VALUE_SENTENCE_COVERAGE = 0.2;
/** How many of the best hits are read for an answer-type value. */
const PASSAGES_CHECKED = 3;

/** The kinds of value a question asks for, in the order of RULES. */
export function answerTypesOf(question: string): AnswerType[] {
  return RULES.filter((r) => r.asks.test(question)).map((r) => r.type);
}

export interface BasisDecision {
  basis: Basis;
  /** For `partial`: one plain sentence saying what the knowledge base does not state. */
  note?: string;
  /** The kinds of value the question asks for. */
  answerTypes: AnswerType[];
}

/**
 * Decides the basis level of a retrieval. `sufficient` is the retriever's "anything relevant at all" decision;
 * `keyTermIdf` holds the question's informative terms (lower-cased) with their IDF.
 */
export function decideBasis(question: string, hits: Hit[], sufficient: boolean, keyTermIdf: Map<string, number>, articleLookup: boolean): BasisDecision {
  const answerTypes = answerTypesOf(question);
  if (!sufficient) return { basis: 'none', answerTypes };
  if (articleLookup || answerTypes.length === 0) return { basis: 'solid', answerTypes };
  const sentences = hits.slice(0, PASSAGES_CHECKED).flatMap((h) => splitSentences(h.chunk.text));
  for (const type of answerTypes) {
    const rule = RULES.find((r) => r.type === type)!;
    const stated = sentences.some((s) => rule.value.test(s) && sentenceCoverage(s, keyTermIdf) >= VALUE_SENTENCE_COVERAGE);
    if (!stated) return { basis: 'partial', note: `${rule.missing}，以下是最接近的规定，请核实。`, answerTypes };
  }
  return { basis: 'solid', answerTypes };
}

function splitSentences(text: string): string[] {
  return text.split(/(?<=[。；！？\n])/).map((s) => s.trim()).filter(Boolean);
}

function sentenceCoverage(sentence: string, keyTermIdf: Map<string, number>): number {
  const lower = sentence.toLowerCase();
  let total = 0;
  let covered = 0;
  for (const [term, idf] of keyTermIdf) {
    total += idf;
    if (lower.includes(term)) covered += idf;
  }
  return total ? covered / total : 0;
}
