/**
 * Answers in TensorFlow Serving's REST shapes (the JSON forms of GetModelStatusResponse and
 * GetModelMetadataResponse, as its own tests spell them: int64 sizes and versions as strings).
 */
import type { LoadedModel } from './load-model.ts';

/** The only version served; TF Serving names versions by their folder number. */
export const SERVED_VERSION = '1';

/** The input clients send (predict-image's 384×384 RGB in [0, 1]), whatever the model's own size. */
export const SERVED_IMAGE_SIZE = 384;

export function statusBody(): unknown {
  return {
    model_version_status: [
      { version: SERVED_VERSION, state: 'AVAILABLE', status: { error_code: 'OK', error_message: '' } },
    ],
  };
}

const dims = (sizes: number[]) => sizes.map((size) => ({ size: String(size), name: '' }));

export function metadataBody(modelName: string, model: LoadedModel): unknown {
  const outputSize = model.outputSize ?? model.labels?.length ?? -1;
  return {
    model_spec: { name: modelName, signature_name: '', version: SERVED_VERSION },
    metadata: {
      signature_def: {
        signature_def: {
          serving_default: {
            inputs: {
              [model.inputName]: {
                dtype: 'DT_FLOAT',
                tensor_shape: { dim: dims([-1, SERVED_IMAGE_SIZE, SERVED_IMAGE_SIZE, 3]), unknown_rank: false },
                name: `${model.inputName}:0`,
              },
            },
            outputs: {
              [model.outputName]: {
                dtype: 'DT_FLOAT',
                tensor_shape: { dim: dims([-1, outputSize]), unknown_rank: false },
                name: `${model.outputName}:0`,
              },
            },
            method_name: 'tensorflow/serving/predict',
            defaults: {},
          },
        },
      },
    },
  };
}

export function errorBody(message: string): unknown {
  return { error: message };
}
