package io.inceptionserve.security;

import static io.inceptionserve.api.ServiceClient.image;
import static io.inceptionserve.security.Refusals.assertProtocolRefusal;
import static io.inceptionserve.security.Refusals.assertRefused;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.inceptionserve.api.RunningServiceTest;
import io.inceptionserve.api.ServiceClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.http.HttpHeaders;
import org.springframework.http.ResponseEntity;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Mode oauth2 with a required scope. The tokens are signed here with a key pair made for the run;
 * the service knows only its public half, from {@code public-key-location}, as it would know an
 * identity provider's.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "inception.security.mode=oauth2",
            "inception.security.required-scope=classify",
            "inception.inference.warmup-iterations=0"
        })
class OAuth2SecurityTest extends RunningServiceTest {

    private static final KeyPair ISSUER = rsaKeyPair();
    private static final KeyPair STRANGER = rsaKeyPair();

    @DynamicPropertySource
    static void issuersPublicKey(DynamicPropertyRegistry registry) throws IOException {
        Path pem = Files.createTempFile("inception-serve-issuer-", ".pem");
        pem.toFile().deleteOnExit();
        String base64 = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(ISSUER.getPublic().getEncoded());
        Files.writeString(pem, "-----BEGIN PUBLIC KEY-----\n" + base64 + "\n-----END PUBLIC KEY-----\n");
        registry.add(
                "spring.security.oauth2.resourceserver.jwt.public-key-location",
                () -> pem.toUri().toString());
    }

    @Test
    void aValidTokenWithTheScopeClassifies() throws Exception {
        ServiceClient client = bearer(token(ISSUER, Instant.now().plusSeconds(300), "openid classify"));

        ResponseEntity<String> response = client.classify("?model=googlenet", List.of(image("pullover.jpg")));

        assertThat(response.getStatusCode().value()).as(response.getBody()).isEqualTo(200);
        assertThat(client.get("/v2/models/googlenet").getStatusCode().value()).isEqualTo(200);
    }

    @Test
    void theProtocolsHealthChecksNeedNoToken() {
        assertThat(client.get("/v2/health/live").getStatusCode().value()).isEqualTo(200);
        assertThat(client.get("/v2/health/ready").getStatusCode().value()).isEqualTo(200);
        assertThat(client.get("/v2/models/googlenet").getStatusCode().value()).isEqualTo(401);
    }

    @Test
    void withoutATokenTheApiAnswers401() throws Exception {
        assertRefused(
                client.classify("", List.of(image("pullover.jpg"))),
                401,
                "Bearer",
                "needs an OAuth2 access token (a JWT) in the header 'Authorization: Bearer <token>'");
    }

    @Test
    void anExpiredForgedOrMalformedTokenIsRefused() throws Exception {
        assertRefused(
                bearer(token(ISSUER, Instant.now().minus(Duration.ofMinutes(10)), "classify"))
                        .get("/models"),
                401,
                "Bearer error=\"invalid_token\"",
                "expired");
        assertRefused(
                bearer(token(STRANGER, Instant.now().plusSeconds(300), "classify"))
                        .get("/models"),
                401,
                "Bearer error=\"invalid_token\"",
                "the bearer token was refused");
        assertRefused(
                bearer("not.a.token").get("/models"),
                401,
                "Bearer error=\"invalid_token\"",
                "the bearer token was refused");
    }

    @Test
    void aTokenWithoutTheScopeIsForbidden() throws Exception {
        ServiceClient client = bearer(token(ISSUER, Instant.now().plusSeconds(300), "openid profile"));

        assertRefused(
                client.classify("", List.of(image("pullover.jpg"))),
                403,
                "Bearer error=\"insufficient_scope\"",
                "the token lacks the scope 'classify' that this endpoint needs");
        assertProtocolRefusal(
                client.get("/v2/models/googlenet"),
                403,
                "Bearer error=\"insufficient_scope\"",
                "the token lacks the scope 'classify' that this endpoint needs");
    }

    private ServiceClient bearer(String token) {
        return new ServiceClient(port, Map.of(HttpHeaders.AUTHORIZATION, "Bearer " + token));
    }

    private static String token(KeyPair key, Instant expiry, String scope) throws JOSEException {
        JWTClaimsSet claims = new JWTClaimsSet.Builder()
                .subject("test-client")
                .issueTime(Date.from(expiry.minus(Duration.ofMinutes(30))))
                .expirationTime(Date.from(expiry))
                .claim("scope", scope)
                .build();
        SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.RS256), claims);
        jwt.sign(new RSASSASigner(key.getPrivate()));
        return jwt.serialize();
    }

    private static KeyPair rsaKeyPair() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            return generator.generateKeyPair();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
