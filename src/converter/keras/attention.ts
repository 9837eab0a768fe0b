/**
 * Keras attention layers (MultiHeadAttention, Attention, AdditiveAttention) → TensorLens's
 * tfjs classes (src/model/layers/attention.ts). Their Keras call arguments live in the
 * Functional graph's inbound nodes (Keras 3 `{args, kwargs}`, tf.keras 2.x `[name, node, tensor,
 * {value: [...], ...}]`); TF.js passes a node's tensors as one input list and no call options,
 * so each call becomes an explicit input list ([query, value, key?, attention_mask?]) and the
 * boolean options (use_causal_mask) move into the layer config.
 */
import { fail, jsonText } from '../errors';
import type { Json, JsonObj } from './config';

export const ATTENTION_CLASSES: Record<string, string> = {
  MultiHeadAttention: 'TensorLensMultiHeadAttention',
  Attention: 'TensorLensAttention',
  AdditiveAttention: 'TensorLensAdditiveAttention',
};

const isObj = (v: unknown): v is JsonObj => typeof v === 'object' && v !== null && !Array.isArray(v);

export interface AttentionCall {
  /** tfjs inbound node: [[name, node, tensor, {}], …] */
  inputs: Json[];
  hasKey: boolean;
  hasAttentionMask: boolean;
  useCausalMask: boolean;
}

/** a reason the call cannot be translated (the caller reports it as a refused layer) */
export class AttentionRefusal extends Error {}

/** Keras 3 positional order of the call arguments */
const MHA_ARGS = ['query', 'value', 'key', 'query_mask', 'value_mask', 'key_mask', 'attention_mask', 'return_attention_scores', 'training', 'use_causal_mask'];
const ATT_ARGS = ['inputs', 'mask', 'training', 'return_attention_scores', 'use_causal_mask'];

function tensorRef(v: Json | undefined): Json[] | null {
  if (isObj(v) && v.class_name === '__keras_tensor__' && isObj(v.config)) {
    const h = v.config.keras_history;
    return Array.isArray(h) && h.length >= 3 ? [h[0] as Json, h[1] as Json, h[2] as Json, {}] : null;
  }
  if (Array.isArray(v) && v.length >= 3 && typeof v[0] === 'string' && typeof v[1] === 'number' && typeof v[2] === 'number') return [v[0], v[1], v[2], {}];
  return null;
}

/** one call as named arguments, from either dialect */
function namedArgs(node: Json, order: string[], layer: string): Record<string, Json> {
  const out: Record<string, Json> = {};
  if (isObj(node)) {
    const args = Array.isArray(node.args) ? node.args : [];
    args.forEach((a, i) => {
      const k = order[i];
      if (k === undefined) throw new AttentionRefusal(`call with ${args.length} positional arguments`);
      out[k] = a;
    });
    if (isObj(node.kwargs)) Object.assign(out, node.kwargs);
    return out;
  }
  // tf.keras 2.x: [[first, node, tensor, kwargs], …]; the first argument's tensors are the entries
  if (!Array.isArray(node)) fail('corrupt', `inbound node of layer "${layer}" is not understood`);
  const entries = (node.length > 0 && typeof node[0] === 'string' ? [node] : node).filter((e): e is Json[] => Array.isArray(e));
  const first = entries.map((e) => [e[0] as Json, e[1] as Json, e[2] as Json]);
  const kw: Json | undefined = entries.find((e) => isObj(e[3]))?.[3];
  out[order[0] as string] = first.length === 1 ? (first[0] as Json) : first;
  if (isObj(kw)) Object.assign(out, kw);
  return out;
}

function flag(v: Json | undefined): boolean {
  return v === true;
}

/** translates one call of an attention layer; throws AttentionRefusal with the reason */
export function attentionCall(className: string, node: Json, layer: string): AttentionCall {
  const mha = className === 'MultiHeadAttention';
  const a = namedArgs(node, mha ? MHA_ARGS : ATT_ARGS, layer);
  if (flag(a.return_attention_scores)) throw new AttentionRefusal('return_attention_scores=True gives a second output (the scores) that is not implemented');
  const useCausalMask = flag(a.use_causal_mask);
  let tensors: (Json[] | null)[];
  let hasAttentionMask = false;
  if (mha) {
    for (const m of ['query_mask', 'value_mask', 'key_mask'])
      if (a[m] !== undefined && a[m] !== null) throw new AttentionRefusal(`an explicit ${m} tensor (masks propagated from e.g. Embedding(mask_zero=True) are supported)`);
    tensors = [tensorRef(a.query), tensorRef(a.value)];
    if (a.key !== undefined && a.key !== null) tensors.push(tensorRef(a.key));
    if (a.attention_mask !== undefined && a.attention_mask !== null) {
      tensors.push(tensorRef(a.attention_mask));
      hasAttentionMask = true;
    }
  } else {
    if (a.mask !== undefined && a.mask !== null && !(Array.isArray(a.mask) && a.mask.every((m) => m === null)))
      throw new AttentionRefusal('an explicit mask argument (masks propagated from e.g. Embedding(mask_zero=True) are supported)');
    const inputs = a.inputs;
    const list = Array.isArray(inputs) && inputs.length > 0 && (Array.isArray(inputs[0]) || isObj(inputs[0])) ? inputs : [];
    tensors = list.map((t) => tensorRef(t));
  }
  if (tensors.some((t) => t === null) || tensors.length < 2) throw new AttentionRefusal(`call arguments that are not layer outputs (${jsonText(a, 120)})`);
  return { inputs: tensors, hasKey: mha ? a.key !== undefined && a.key !== null : tensors.length === 3, hasAttentionMask, useCausalMask };
}

/**
 * Config of the TensorLens class for a Keras attention layer (Keras names kept; tfjs camel-cases
 * them). tf.keras 2.x Attention's deprecated `causal` becomes `use_causal_mask`.
 */
export function attentionConfig(className: string, cfg: JsonObj): JsonObj {
  const out: JsonObj = { ...cfg };
  if (className !== 'MultiHeadAttention') {
    if (out.causal === true) out.use_causal_mask = true;
    delete out.causal;
  }
  return out;
}
