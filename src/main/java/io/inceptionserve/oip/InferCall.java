package io.inceptionserve.oip;

import io.inceptionserve.oip.InferenceRequest.RequestOutput;
import java.util.List;

/**
 * An inference request with its tensors read, whichever form they came in.
 *
 * @param id the request's id, echoed in the response
 * @param inputs the input tensors
 * @param outputs the outputs asked for; empty for all
 * @param binaryOutputs whether outputs not saying otherwise are returned in binary
 */
record InferCall(String id, List<Tensor> inputs, List<RequestOutput> outputs, boolean binaryOutputs) {}
