package io.inceptionserve.oip;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Datatype names as the protocol spells them; half precision as IEEE 754 binary16 defines it. */
class DatatypeTest {

    @Test
    void onlyTheProtocolsSpellingNamesADatatype() {
        assertThat(Datatype.of("FP32")).isEqualTo(Datatype.FP32);
        assertThat(Datatype.of("UINT8")).isEqualTo(Datatype.UINT8);
        assertThat(Datatype.of("fp32")).isNull();
        assertThat(Datatype.of("Bytes")).isNull();
    }

    @Test
    void halfPrecisionDecodesExactly() {
        assertThat(Datatype.halfToFloat((short) 0x3c00)).isEqualTo(1f);
        assertThat(Datatype.halfToFloat((short) 0xc000)).isEqualTo(-2f);
        assertThat(Datatype.halfToFloat((short) 0x3555)).isEqualTo(0.333251953125f);
        assertThat(Datatype.halfToFloat((short) 0x7bff)).isEqualTo(65504f);
        assertThat(Datatype.halfToFloat((short) 0x0400)).isEqualTo(0x1p-14f);
        assertThat(Datatype.halfToFloat((short) 0x0001)).isEqualTo(0x1p-24f);
        assertThat(Datatype.halfToFloat((short) 0x8000)).isEqualTo(-0f);
        assertThat(Datatype.halfToFloat((short) 0x7c00)).isEqualTo(Float.POSITIVE_INFINITY);
        assertThat(Datatype.halfToFloat((short) 0xfc00)).isEqualTo(Float.NEGATIVE_INFINITY);
        assertThat(Datatype.halfToFloat((short) 0x7e00)).isNaN();
    }

    @Test
    void everyHalfSurvivesTheTestClientsEncoding() {
        for (int bits = 0x0400; bits < 0x7c00; bits++) {
            float value = Datatype.halfToFloat((short) bits);
            assertThat(TritonWire.half(value)).as("0x%04x", bits).isEqualTo((short) bits);
            assertThat(TritonWire.half(-value)).isEqualTo((short) (bits | 0x8000));
        }
    }
}
